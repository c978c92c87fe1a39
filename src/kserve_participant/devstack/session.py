"""The stack behind ``kserve-participant dev up/down/status``: one per checkout, state in ``.dev/``.

``.dev/run/`` is the run directory (data, logs, pid files, PKI), ``.dev/stack.json`` the
``StackInfo`` of the running stack, ``.dev/env`` the connection details as shell assignments.
"""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from kserve_participant.devstack.detached import component_pids, stop_components
from kserve_participant.devstack.info import StackInfo
from kserve_participant.devstack.stack import Say, Stack

__all__ = ["DevSession", "find_repo_root"]


def find_repo_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` (default: cwd) holding ``pyproject.toml``."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    raise FileNotFoundError(f"no pyproject.toml at or above {here}: run this inside the checkout")


@dataclass(frozen=True)
class DevSession:
    repo_root: Path

    @property
    def state_dir(self) -> Path:
        return self.repo_root / ".dev"

    @property
    def run_dir(self) -> Path:
        return self.state_dir / "run"

    @property
    def info_file(self) -> Path:
        return self.state_dir / "stack.json"

    @property
    def env_file(self) -> Path:
        return self.state_dir / "env"

    def running(self) -> dict[str, int | None]:
        return component_pids(self.run_dir)

    def is_up(self) -> bool:
        return self.info_file.is_file() and all(pid is not None for pid in self.running().values())

    def info(self) -> StackInfo | None:
        try:
            return StackInfo.from_json(self.info_file.read_text())
        except FileNotFoundError:
            return None

    def up(self, *, say: Say) -> StackInfo:
        """Start a fresh stack (with KServe's controller) and leave it running."""
        self.down()
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.state_dir.mkdir(exist_ok=True)
        stack = Stack(self.run_dir, say=say, stop_at_exit=False)
        info = stack.start()
        self.info_file.write_text(info.to_json())
        self.info_file.chmod(0o600)
        self.env_file.write_text(_env_lines(info))
        self.env_file.chmod(0o600)
        return info

    def down(self) -> list[str]:
        """Stop whatever runs (idempotent); the run directory stays for its logs."""
        stopped = stop_components(self.run_dir)
        self.info_file.unlink(missing_ok=True)
        self.env_file.unlink(missing_ok=True)
        return stopped


def _env_lines(info: StackInfo) -> str:
    values = {
        "KAFKA_SERVER": info.kafka_bootstrap,
        "KAFKA_SASL_SERVER": info.kafka_sasl_bootstrap,
        "KAFKA_SCRAM_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SCRAM_USERNAME": info.scram_username,
        "KAFKA_SCRAM_PASSWORD": info.scram_password,
        "KAFKA_SSL_SERVER": info.kafka_ssl_bootstrap,
        "KAFKA_SSL_CA_FILE": str(info.kafka_ssl_ca_file or ""),
        "KAFKA_SSL_CLIENT_CERT": str(info.kafka_ssl_client_cert or ""),
        "KAFKA_SSL_CLIENT_KEY": str(info.kafka_ssl_client_key or ""),
        # the SASL user and password above work here too, with any of the SASL mechanisms
        "KAFKA_SASL_SSL_SERVER": info.kafka_sasl_ssl_bootstrap,
        "KUBECONFIG": str(info.kubeconfig),
        "KUBE_API_SERVER": info.api_server,
        "KUBE_CA_FILE": str(info.ca_file),
        "KUBE_PARTICIPANT_TOKEN": info.participant_token,
    }
    if info.kafka_gssapi_bootstrap:  # only where the KDC's tools are installed
        values.update(
            KAFKA_GSSAPI_SERVER=info.kafka_gssapi_bootstrap,
            KRB5_CONFIG=str(info.krb5_config),
            KERBEROS_PRINCIPAL=info.kerberos_principal,
            KERBEROS_KEYTAB=str(info.kerberos_keytab),
        )
    lines = [f"{key}={shlex.quote(value)}" for key, value in values.items()]
    return "# Written by `kserve-participant dev up`; source it: `set -a; . .dev/env; set +a`\n" + (
        "\n".join(lines) + "\n"
    )
