"""ONAP CLAMP ACM KServe participant: deploys KServe InferenceServices for ACM element instances."""

# A literal, not importlib.metadata: reading the installed metadata costs every command about
# 0.1 s of imports (email parsing, zipfile). tests/unit/test_version.py keeps it equal to the
# version in pyproject.toml.
__version__ = "0.1.0"

__all__ = ["__version__"]
