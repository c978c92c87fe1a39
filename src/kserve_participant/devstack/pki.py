"""A throw-away PKI for one stack run: CA, API server certificate, admin client certificate,
service-account key pair, a static token file (admin + participant users), KServe's webhook
server certificate, and the Kafka broker's
TLS identity (PEM keystore) with a client certificate for its mTLS listener.

Keys are ECDSA P-256 rather than RSA because generating them is instant: the whole PKI takes
a few tens of milliseconds with the ``openssl`` CLI, instead of about 2 s with RSA-2048.
"""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Pki", "create_pki"]

_EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
_DAYS = "3650"


@dataclass(frozen=True)
class Pki:
    directory: Path
    admin_token: str
    participant_token: str

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.crt"

    @property
    def apiserver_cert(self) -> Path:
        return self.directory / "apiserver.crt"

    @property
    def apiserver_key(self) -> Path:
        return self.directory / "apiserver.key"

    @property
    def admin_cert(self) -> Path:
        return self.directory / "admin.crt"

    @property
    def admin_key(self) -> Path:
        return self.directory / "admin.key"

    @property
    def service_account_key(self) -> Path:
        return self.directory / "sa.key"

    @property
    def service_account_public_key(self) -> Path:
        return self.directory / "sa.pub"

    @property
    def token_file(self) -> Path:
        return self.directory / "tokens.csv"

    @property
    def webhook_cert(self) -> Path:
        """KServe's webhook server on 127.0.0.1 (the API server calls it by URL)."""
        return self.directory / "kserve-webhook.crt"

    @property
    def webhook_key(self) -> Path:
        return self.directory / "kserve-webhook.key"

    @property
    def kafka_keystore(self) -> Path:
        """The broker's PKCS#8 key followed by its certificate: Kafka's PEM keystore format."""
        return self.directory / "kafka-broker.pem"

    @property
    def kafka_client_cert(self) -> Path:
        return self.directory / "kafka-client.crt"

    @property
    def kafka_client_key(self) -> Path:
        return self.directory / "kafka-client.key"


def create_pki(directory: Path) -> Pki:
    """Write a fresh PKI into ``directory`` (created, or reused and overwritten)."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    pki = Pki(
        directory=directory,
        admin_token=secrets.token_hex(24),
        participant_token=secrets.token_hex(24),
    )
    _openssl(
        directory,
        "req", "-x509", *_EC, "-nodes", "-days", _DAYS, "-subj", "/CN=kserve-participant-dev-ca",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        "-keyout", "ca.key", "-out", "ca.crt",
    )  # fmt: skip
    _signed_cert(
        directory,
        "apiserver",
        subject="/CN=kube-apiserver",
        extensions="subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
    )
    _signed_cert(
        directory,
        "kserve-webhook",
        subject="/CN=kserve-webhook",
        extensions="subjectAltName=IP:127.0.0.1\n"
        "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
    )
    _signed_cert(
        directory,
        "admin",
        subject="/CN=admin/O=system:masters",
        extensions="extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
    )
    _signed_cert(
        directory,
        "kafka-broker",
        subject="/CN=kafka-broker",
        extensions="subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
    )
    _signed_cert(
        directory,
        "kafka-client",
        subject="/CN=kafka-client",
        extensions="extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
    )
    _write_pem_keystore(directory, "kafka-broker", pki.kafka_keystore)
    _openssl(directory, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sa.key")
    _openssl(directory, "ec", "-in", "sa.key", "-pubout", "-out", "sa.pub")
    pki.token_file.write_text(
        f'{pki.admin_token},admin,admin-uid,"system:masters"\n'
        f"{pki.participant_token},participant,participant-uid\n"
    )
    for leftover in directory.glob("*.csr"):
        leftover.unlink()
    for secret in [*directory.glob("*.key"), pki.token_file, pki.kafka_keystore]:
        secret.chmod(0o600)
    return pki


def _signed_cert(directory: Path, name: str, *, subject: str, extensions: str) -> None:
    (directory / f"{name}.ext").write_text(extensions)
    _openssl(
        directory,
        "req", *_EC, "-nodes", "-subj", subject, "-keyout", f"{name}.key", "-out", f"{name}.csr",
    )  # fmt: skip
    _openssl(
        directory,
        "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", _DAYS, "-out", f"{name}.crt", "-extfile", f"{name}.ext",
    )  # fmt: skip
    (directory / f"{name}.ext").unlink()


def _write_pem_keystore(directory: Path, name: str, keystore: Path) -> None:
    """Kafka reads only unencrypted PKCS#8 (``BEGIN PRIVATE KEY``) keys from a PEM keystore;
    converting makes that explicit whatever format this ``openssl`` writes by default."""
    _openssl(
        directory,
        "pkcs8", "-topk8", "-nocrypt", "-in", f"{name}.key", "-out", f"{name}.pkcs8.key",
    )  # fmt: skip
    pkcs8 = directory / f"{name}.pkcs8.key"
    keystore.write_text(pkcs8.read_text() + (directory / f"{name}.crt").read_text())
    pkcs8.unlink()


def _openssl(directory: Path, *args: str) -> None:
    completed = subprocess.run(
        ["openssl", *args], cwd=directory, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {completed.stderr.strip()}")
