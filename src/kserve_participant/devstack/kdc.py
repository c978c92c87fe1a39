"""An MIT Kerberos KDC on 127.0.0.1 for the dev stack's Kafka GSSAPI listener.

One realm, a fresh database per start (random master key, stash file), and two principals with
keytabs: the broker's (``kafka/127.0.0.1``, the name a client derives from service ``kafka`` and
the broker's host) and the participant's. Only ``krb5kdc`` runs; principals are made with
``kadmin.local`` on the database directly. The tools come from the Debian packages ``krb5-kdc``
and ``krb5-admin-server``; when they are missing the stack runs without Kerberos and
:func:`kdc_missing` says what to install.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from kserve_participant.devstack.processes import (
    DaemonDied,
    ManagedProcess,
    free_ports,
    spawn,
    wait_until,
)

__all__ = [
    "KDC_PACKAGES",
    "Kdc",
    "KerberosLogin",
    "add_principal",
    "kadmin",
    "kdc_missing",
    "start_kdc",
]

REALM = "KSERVE-PARTICIPANT.DEV"
BROKER_SERVICE = "kafka"
BROKER_HOST = "127.0.0.1"
PARTICIPANT_PRINCIPAL = f"kserve-participant@{REALM}"
KDC_PACKAGES = ("krb5-kdc", "krb5-admin-server", "krb5-user", "libkrb5-dev")
_TOOLS = ("krb5kdc", "kdb5_util", "kadmin.local")
_SBIN = (Path("/usr/sbin"), Path("/usr/local/sbin"))
_ENCTYPES = "aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal"


@dataclass(frozen=True)
class KerberosLogin:
    """A principal and the keytab that holds its keys."""

    principal: str
    keytab: Path

    def jaas_config(self) -> str:
        """The Java client's JAAS line for this login (what the Java participant is given)."""
        return (
            "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true "
            f'keyTab="{self.keytab}" principal="{self.principal}";'
        )


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for directory in _SBIN:
        if (directory / name).is_file():
            return str(directory / name)
    return None


def kdc_missing() -> str | None:
    """What to install for the KDC, or None when its tools are present."""
    absent = [name for name in _TOOLS if _tool(name) is None]
    if not absent:
        return None
    return (
        f"MIT Kerberos KDC tools not found ({', '.join(absent)}): install them with "
        f"`apt-get install {' '.join(KDC_PACKAGES)}` (as root; `make kerberos` does it) and "
        "`pip install -e '.[kerberos]'` for the participant's gssapi package"
    )


@dataclass
class Kdc:
    directory: Path
    realm: str = REALM
    port: int = 0
    process: ManagedProcess | None = None
    _master_key: str = field(default_factory=lambda: secrets.token_hex(16), repr=False)

    @property
    def krb5_conf(self) -> Path:
        return self.directory / "krb5.conf"

    @property
    def broker(self) -> KerberosLogin:
        return KerberosLogin(
            f"{BROKER_SERVICE}/{BROKER_HOST}@{self.realm}", self.directory / "kafka.keytab"
        )

    @property
    def participant(self) -> KerberosLogin:
        return KerberosLogin(PARTICIPANT_PRINCIPAL, self.directory / "participant.keytab")

    @property
    def _kdc_conf(self) -> Path:
        return self.directory / "kdc.conf"

    @property
    def _env(self) -> dict[str, str]:
        return _kdc_env(self.directory)

    def start(self, *, timeout: float = 30.0) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.port,) = free_ports(1)
        self._configure()
        self._create_database()
        for login in (self.broker, self.participant):
            self._add_principal(login)
        binary = _tool("krb5kdc")
        assert binary is not None  # checked by start_kdc
        # krb5kdc's own pid file; spawn's (krb5kdc.pid) also records the marker for `dev down`
        own_pid_file = self.directory / "krb5kdc-own.pid"
        self.process = spawn(
            "krb5kdc",
            [binary, "-n", "-r", self.realm, "-P", str(own_pid_file)],
            run_dir=self.directory,
            log_path=self.directory / "krb5kdc.log",
            marker=str(own_pid_file),
            env=self._env,
        )
        wait_until(
            lambda: _accepts(self.port),
            process=self.process,
            what=f"krb5kdc listening on {BROKER_HOST}:{self.port}",
            timeout=timeout,
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def _configure(self) -> None:
        database = self.directory / "principal"
        self.krb5_conf.write_text(
            "[libdefaults]\n"
            f"  default_realm = {self.realm}\n"
            "  dns_lookup_kdc = false\n"
            "  dns_lookup_realm = false\n"
            "  dns_canonicalize_hostname = false\n"
            "  rdns = false\n"
            "  udp_preference_limit = 1\n"
            "  ticket_lifetime = 1h\n"
            "  renew_lifetime = 1h\n"
            "[realms]\n"
            f"  {self.realm} = {{\n"
            f"    kdc = {BROKER_HOST}:{self.port}\n"
            "  }\n"
            "[domain_realm]\n"
            f"  {BROKER_HOST} = {self.realm}\n"
        )
        self._kdc_conf.write_text(
            "[kdcdefaults]\n"
            f"  kdc_listen = {BROKER_HOST}:{self.port}\n"
            f"  kdc_tcp_listen = {BROKER_HOST}:{self.port}\n"
            "  spake_preauth_kdc_challenge = edwards25519\n"
            "[realms]\n"
            f"  {self.realm} = {{\n"
            f"    database_name = {database}\n"
            f"    key_stash_file = {self.directory / 'stash'}\n"
            f"    acl_file = {self.directory / 'kadm5.acl'}\n"
            f"    supported_enctypes = {_ENCTYPES}\n"
            "    max_life = 1h\n"
            "  }\n"
            "[logging]\n"
            f"  kdc = FILE:{self.directory / 'kdc-events.log'}\n"
        )
        (self.directory / "kadm5.acl").write_text("")

    def _create_database(self) -> None:
        for stale in self.directory.glob("principal*"):
            stale.unlink()
        (self.directory / "stash").unlink(missing_ok=True)
        self._admin(
            "kdb5_util", "create", "-s", "-r", self.realm, "-P", self._master_key, hide=True
        )

    def _add_principal(self, login: KerberosLogin) -> None:
        add_principal(self.directory, login)

    def _admin(self, tool: str, *args: str, hide: bool = False) -> None:
        _run_admin(self.directory, tool, *args, hidden=self._master_key if hide else None)


def add_principal(directory: Path, login: KerberosLogin) -> None:
    """A new principal with random keys in the KDC of ``directory``, exported to its keytab."""
    login.keytab.unlink(missing_ok=True)
    kadmin(directory, f"addprinc -randkey {login.principal}")
    kadmin(directory, f"ktadd -k {login.keytab} {login.principal}")
    login.keytab.chmod(0o600)


def kadmin(directory: Path, query: str) -> None:
    """One ``kadmin.local`` query on the database of the KDC in ``directory``."""
    _run_admin(directory, "kadmin.local", "-q", query)


def _kdc_env(directory: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KRB5_CONFIG=str(directory / "krb5.conf"), KRB5_KDC_PROFILE=str(directory / "kdc.conf")
    )
    return env


def _run_admin(directory: Path, tool: str, *args: str, hidden: str | None = None) -> None:
    binary = _tool(tool)
    assert binary is not None  # checked by start_kdc
    completed = subprocess.run(
        [binary, *args], env=_kdc_env(directory), capture_output=True, text=True, check=False
    )
    output = completed.stdout + completed.stderr
    what = args[0]
    if hidden is not None:
        output = output.replace(hidden, "***")
    else:
        what = args[-1]
    # kadmin.local reports some failures on stderr with exit 0
    if completed.returncode != 0 or "error" in completed.stderr.lower():
        raise DaemonDied(f"{tool} {what} failed: {output}")


def start_kdc(directory: Path) -> Kdc | None:
    """A running KDC in ``directory``, or None when the KDC tools are not installed."""
    if kdc_missing() is not None:
        return None
    kdc = Kdc(directory)
    try:
        kdc.start()
    except BaseException:
        kdc.stop()
        raise
    return kdc


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((BROKER_HOST, port), timeout=0.5):
            return True
    except OSError:
        return False
