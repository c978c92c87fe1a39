"""``StackInfo``: how a client reaches a running dev stack (an API agreed with other modules)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["StackInfo"]


@dataclass(frozen=True)
class StackInfo:
    kafka_bootstrap: str
    """``127.0.0.1:PORT``, PLAINTEXT listener."""
    kafka_sasl_bootstrap: str
    """``127.0.0.1:PORT``, SASL_PLAINTEXT listener, SCRAM-SHA-512."""
    scram_username: str
    scram_password: str = field(repr=False)
    api_server: str
    """``https://127.0.0.1:PORT``."""
    kubeconfig: Path
    """Absolute path; admin credentials (client certificate), namespace ``default``."""
    ca_file: Path
    admin_token: str = field(repr=False)
    """Token of user ``admin``, group ``system:masters``."""
    participant_token: str = field(repr=False)
    """Token of user ``participant``; no RBAC is granted to it by default."""
    run_dir: Path

    def to_json(self) -> str:
        return json.dumps({k: str(v) for k, v in asdict(self).items()}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> StackInfo:
        raw: dict[str, Any] = json.loads(text)
        for key in ("kubeconfig", "ca_file", "run_dir"):
            raw[key] = Path(raw[key])
        return cls(**raw)
