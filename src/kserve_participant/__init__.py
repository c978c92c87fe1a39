"""ONAP CLAMP ACM KServe participant: deploys KServe InferenceServices for ACM element instances."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kserve-participant")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__"]
