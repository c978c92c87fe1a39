"""Settings read from the Java participant's application.yaml shape and its env overrides.

No I/O on import: :func:`load_settings` reads the file and takes the environment as an argument.
"""

from __future__ import annotations

from kserve_participant.config.loading import ConfigError, load_settings
from kserve_participant.config.model import Settings

__all__ = ["ConfigError", "Settings", "load_settings"]
