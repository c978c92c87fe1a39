"""The Kafka 4.1.2 broker of the dev stack: one KRaft node (broker + controller) on 127.0.0.1.

Four client listeners: PLAINTEXT; SASL_PLAINTEXT and SASL_SSL (server certificate only), both
taking SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN for one user (SCRAM credentials stored at
storage-format time, the PLAIN password in ``server.properties``, which is private to its owner);
SSL requiring a client certificate signed by the stack's CA (mTLS, as Strimzi's ``tls``
authentication does); and, when the stack runs a KDC (``devstack.kdc``), GSSAPI (SASL_PLAINTEXT
with Kerberos only). The broker runs from the jars in the cache; its configuration comes from
``tools/kafka/server.properties.in``.
"""

from __future__ import annotations

import base64
import secrets
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from kserve_participant.devstack.cache import Cache, ToolsDir
from kserve_participant.devstack.kdc import Kdc
from kserve_participant.devstack.pki import Pki, create_pki
from kserve_participant.devstack.processes import (
    DaemonDied,
    ManagedProcess,
    free_ports,
    spawn,
    wait_until,
)

__all__ = ["KafkaBroker"]

_READY_LINE = "Kafka Server started"
_ATTEMPTS = 3
_JVM_FLAGS = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true")


@dataclass
class KafkaBroker:
    """Configure, format, start and stop the broker; ports are kept across ``restart``.

    ``pki`` provides the SSL listener's keystore and CA; without one the broker makes its own
    under ``directory``.
    """

    directory: Path
    cache: Cache
    tools: ToolsDir
    scram_username: str = "ksp-dev"
    scram_password: str = field(default_factory=lambda: secrets.token_hex(16), repr=False)
    port: int = 0
    sasl_port: int = 0
    sasl_ssl_port: int = 0
    ssl_port: int = 0
    controller_port: int = 0
    pki: Pki | None = None
    kdc: Kdc | None = None
    gssapi_port: int = 0
    process: ManagedProcess | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_bootstrap(self) -> str:
        return f"127.0.0.1:{self.sasl_port}"

    @property
    def sasl_ssl_bootstrap(self) -> str:
        return f"127.0.0.1:{self.sasl_ssl_port}"

    @property
    def ssl_bootstrap(self) -> str:
        return f"127.0.0.1:{self.ssl_port}"

    @property
    def gssapi_bootstrap(self) -> str:
        """The GSSAPI listener, or "" without a KDC."""
        return f"127.0.0.1:{self.gssapi_port}" if self.kdc is not None else ""

    @property
    def _properties(self) -> Path:
        return self.directory / "server.properties"

    @property
    def _data(self) -> Path:
        return self.directory / "data"

    @property
    def _log(self) -> Path:
        return self.directory / "broker.log"

    def start(self, *, timeout: float = 60.0) -> None:
        """Fresh start: new ports, new cluster id, formatted storage with the SCRAM users."""
        for attempt in range(1, _ATTEMPTS + 1):
            ports = free_ports(6)
            self.port, self.sasl_port, self.sasl_ssl_port, self.ssl_port = ports[:4]
            self.controller_port, self.gssapi_port = ports[4:]
            self._configure()
            self._format()
            try:
                self._launch(timeout=timeout)
                return
            except DaemonDied:
                if attempt == _ATTEMPTS or not self._lost_port_race():
                    raise

    def restart(self, *, timeout: float = 60.0) -> None:
        """Start again after ``stop``, on the same ports and data."""
        self._launch(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def _configure(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.pki is None:
            self.pki = create_pki(self.directory / "pki")
        text = self.tools.kafka_server_properties.read_text()
        for placeholder, value in {
            "@PORT@": str(self.port),
            "@SASL_PORT@": str(self.sasl_port),
            "@SASL_SSL_PORT@": str(self.sasl_ssl_port),
            "@SSL_PORT@": str(self.ssl_port),
            "@CTRL_PORT@": str(self.controller_port),
            "@DATA@": str(self._data),
            "@SSL_KEYSTORE@": str(self.pki.kafka_keystore.resolve()),
            "@SSL_TRUSTSTORE@": str(self.pki.ca_cert.resolve()),
            "@SASL_USERNAME@": self.scram_username,
            "@SASL_PASSWORD@": self.scram_password,
            **self._gssapi_placeholders(),
        }.items():
            text = text.replace(placeholder, value)
        if self.kdc is not None:
            login = self.kdc.broker
            text += (
                self.tools.kafka_server_properties.with_name("gssapi.properties.in")
                .read_text()
                .replace("@KEYTAB@", str(login.keytab))
                .replace("@PRINCIPAL@", login.principal)
            )
        # PLAIN's password is in the file: create it private before writing it
        self._properties.touch(mode=0o600)
        self._properties.chmod(0o600)
        self._properties.write_text(text)

    def _gssapi_placeholders(self) -> dict[str, str]:
        if self.kdc is None:
            return {"@GSSAPI_LISTENER@": "", "@GSSAPI_ADVERTISED@": "", "@GSSAPI_PROTOCOL@": ""}
        listener = f",GSSAPI://127.0.0.1:{self.gssapi_port}"
        return {
            "@GSSAPI_LISTENER@": listener,
            "@GSSAPI_ADVERTISED@": listener,
            "@GSSAPI_PROTOCOL@": ",GSSAPI:SASL_PLAINTEXT",
        }

    def _format(self) -> None:
        shutil.rmtree(self._data, ignore_errors=True)
        credentials = f"name={self.scram_username},password={self.scram_password}"
        completed = subprocess.run(
            [
                *self._java("-Xmx256m"),
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-t",
                _cluster_id(),
                "-c",
                str(self._properties),
                "--add-scram",
                f"SCRAM-SHA-512=[{credentials}]",
                "--add-scram",
                f"SCRAM-SHA-256=[{credentials}]",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            # The command line holds the SCRAM password; the tool may echo it back.
            output = (completed.stdout + completed.stderr).replace(self.scram_password, "***")
            raise DaemonDied(f"kafka storage format failed: {output}")

    def _launch(self, *, timeout: float) -> None:
        offset = self._log.stat().st_size if self._log.exists() else 0
        self.process = spawn(
            "kafka",
            [
                *self._java("-Xms256m", "-Xmx512m", "-XX:+ExitOnOutOfMemoryError"),
                "kafka.Kafka",
                str(self._properties),
            ],
            run_dir=self.directory,
            log_path=self._log,
            marker=str(self._properties),
        )
        wait_until(
            lambda: _READY_LINE in _read_from(self._log, offset),
            process=self.process,
            what=f"'{_READY_LINE}'",
            timeout=timeout,
        )

    def _java(self, *heap: str) -> list[str]:
        kerberos = [f"-Djava.security.krb5.conf={self.kdc.krb5_conf}"] if self.kdc else []
        return [
            "java",
            *heap,
            *_JVM_FLAGS,
            *kerberos,
            f"-Dlog4j2.configurationFile={self.tools.kafka_log4j}",
            "-cp",
            self.cache.kafka_classpath,
        ]

    def _lost_port_race(self) -> bool:
        return "Address already in use" in _read_from(self._log, 0)


def _cluster_id() -> str:
    """A KRaft cluster id: url-safe base64 of a UUID, not starting with '-' (the CLI would
    read it as an option)."""
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


def _read_from(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode(errors="replace")
    except FileNotFoundError:
        return ""
