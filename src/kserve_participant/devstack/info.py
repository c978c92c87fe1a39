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
    """``127.0.0.1:PORT``, SASL_PLAINTEXT listener: SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN."""
    scram_username: str
    """The one SASL user, for every mechanism of both SASL listeners."""
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
    # The SSL fields came later: defaults keep constructors that predate them working.
    kafka_ssl_bootstrap: str = ""
    """``127.0.0.1:PORT``, SSL listener requiring a client certificate (mTLS); empty if none."""
    kafka_ssl_ca_file: Path | None = None
    """PEM CA that signed the broker's certificate (SAN ``IP:127.0.0.1``, ``DNS:localhost``)."""
    kafka_ssl_client_cert: Path | None = None
    """PEM client certificate the SSL listener accepts."""
    kafka_ssl_client_key: Path | None = None
    """Its unencrypted PKCS#8 PEM key."""
    kafka_sasl_ssl_bootstrap: str = ""
    """``127.0.0.1:PORT``, SASL_SSL listener (SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN over TLS, no
    client certificate; the broker's certificate verifies against ``kafka_ssl_ca_file``); empty
    if none."""
    kafka_gssapi_bootstrap: str = ""
    """``127.0.0.1:PORT``, GSSAPI listener (SASL_PLAINTEXT, Kerberos); empty when no KDC runs
    (its tools are not installed)."""
    krb5_config: Path | None = None
    """The dev KDC's krb5.conf (give it to clients as ``KRB5_CONFIG``)."""
    kerberos_principal: str = ""
    """The participant's principal in the dev realm."""
    kerberos_keytab: Path | None = None
    """Its keytab."""
    audit_log: Path | None = None
    """The API server's audit log: one JSON line per request stage of user ``participant``."""

    def to_json(self) -> str:
        return json.dumps(
            {k: None if v is None else str(v) for k, v in asdict(self).items()}, indent=2
        )

    @classmethod
    def from_json(cls, text: str) -> StackInfo:
        raw: dict[str, Any] = json.loads(text)
        for key in _PATHS:
            if raw.get(key) is not None:
                raw[key] = Path(raw[key])
        return cls(**raw)


_PATHS = (
    "kubeconfig",
    "ca_file",
    "run_dir",
    "kafka_ssl_ca_file",
    "kafka_ssl_client_cert",
    "kafka_ssl_client_key",
    "krb5_config",
    "kerberos_keytab",
    "audit_log",
)
