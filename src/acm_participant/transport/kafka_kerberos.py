"""Kerberos (SASL GSSAPI) login from the Java client's JAAS line.

A Java participant is given ``sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule
required useKeyTab=true storeKey=true keyTab="/path/x.keytab" principal="name@REALM";``.
aiokafka authenticates GSSAPI with the process's default initiator credentials (``gssapi``
package on MIT Kerberos). :func:`login` makes those the JAAS line's: a credential cache private
to this process (``KRB5CCNAME=MEMORY:...``) filled from the keytab as the principal, with the
keytab as client keytab (``KRB5_CLIENT_KTNAME``) so that MIT Kerberos renews tickets from it.
``krb5.conf`` is found as MIT Kerberos finds it (``KRB5_CONFIG``, else ``/etc/krb5.conf``).
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acm_participant.errors import TransportAuthError, TransportError

__all__ = [
    "KerberosLogin",
    "gssapi_missing",
    "keytab_principals",
    "login",
    "parse_kerberos_login",
]

_KRB5_MODULE = "Krb5LoginModule"
_OPTION = re.compile(r'([A-Za-z_][\w.]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;]+)')
# MIT Kerberos's KRB5_KDC_UNREACH ("Cannot contact any KDC for realm"): the KDC is away, which
# may pass; every other failure is the principal or its keys being refused.
_KDC_UNREACHABLE = -1765328228 & 0xFFFFFFFF


@dataclass(frozen=True)
class KerberosLogin:
    """What ``Krb5LoginModule`` is told: which principal, from which keytab (no secret)."""

    principal: str | None
    keytab: Path | None

    def describe(self) -> str:
        who = f"principal {self.principal!r}" if self.principal else "the default principal"
        return f"{who} with keytab {self.keytab}" if self.keytab else who


def parse_kerberos_login(jaas_config: str) -> KerberosLogin | None:
    """The principal and keytab of a ``Krb5LoginModule`` JAAS line; None for other modules."""
    if _KRB5_MODULE not in jaas_config:
        return None
    options = {key: raw.strip('"') for key, raw in _OPTION.findall(jaas_config)}
    use_keytab = options.get("useKeyTab", "false").lower() == "true"
    keytab = Path(options["keyTab"]) if use_keytab and options.get("keyTab") else None
    return KerberosLogin(options.get("principal"), keytab)


def gssapi_missing() -> str | None:
    """Why GSSAPI cannot work in this Python, or None when the ``gssapi`` package loads."""
    try:
        import gssapi  # noqa: F401 - optional, only GSSAPI users need it
    except ImportError as error:
        return (
            f"SASL GSSAPI needs the Python package gssapi ({error}): install it with "
            "`pip install gssapi` (it builds against MIT Kerberos: `apt-get install libkrb5-dev`)"
        )
    return None


def login(kerberos: KerberosLogin, *, service: str, host: str) -> None:
    """Obtains tickets for ``kerberos`` and a service ticket for ``service@host``, into this
    process's default credential cache; raises :class:`TransportAuthError` with the KDC's reason
    when the principal or keytab is refused, :class:`TransportError` when no KDC answers."""
    import gssapi

    if kerberos.keytab is not None and kerberos.principal:
        held = keytab_principals(kerberos.keytab)
        if kerberos.principal not in held:
            raise TransportAuthError(
                f"Kerberos login failed for {kerberos.describe()}: the keytab holds no key for "
                f"that principal (it holds keys for: {', '.join(sorted(set(held))) or 'none'})"
            )
    ccache = f"MEMORY:acm-participant-{os.getpid()}"
    os.environ["KRB5CCNAME"] = ccache
    store: dict[bytes | str, bytes | str] = {"ccache": ccache}
    if kerberos.keytab is not None:
        client_keytab = f"FILE:{kerberos.keytab}"
        os.environ["KRB5_CLIENT_KTNAME"] = client_keytab
        store["client_keytab"] = client_keytab
    try:
        name = (
            gssapi.Name(kerberos.principal, gssapi.NameType.kerberos_principal)
            if kerberos.principal
            else None
        )
        credentials = gssapi.Credentials(name=name, usage="initiate", store=store)
        target = gssapi.Name(f"{service}@{host}", gssapi.NameType.hostbased_service)
        context = gssapi.SecurityContext(name=target, creds=credentials, usage="initiate")
        context.step()
    except gssapi.raw.misc.GSSError as error:
        reason = _reason(error)
        if (error.min_code or 0) & 0xFFFFFFFF == _KDC_UNREACHABLE:
            raise TransportError(f"Kerberos KDC unreachable: {reason}") from None
        raise TransportAuthError(
            f"Kerberos login failed for {kerberos.describe()}: {reason}"
        ) from None


def _reason(error: Any) -> str:
    """The GSSAPI minor status text (the KDC's or the library's words; never key material)."""
    try:
        texts = [str(text) for text in error.get_all_statuses(error.min_code, False)]
    except (TypeError, ValueError, AttributeError):
        texts = []
    return "; ".join(texts) or str(error.gen_message())


def keytab_principals(keytab: Path) -> list[str]:
    """The principal of every entry of an MIT keytab file (format 0x0502); keys are skipped."""
    try:
        data = keytab.read_bytes()
    except OSError as error:
        reason = error.strerror
        raise TransportAuthError(f"cannot read the Kerberos keytab {keytab}: {reason}") from None
    if data[:2] != b"\x05\x02":
        raise TransportAuthError(f"{keytab} is not a Kerberos keytab (format 0x0502)")
    principals: list[str] = []
    offset = 2
    while offset + 4 <= len(data):
        (size,) = struct.unpack_from(">i", data, offset)
        offset += 4
        if size > 0:
            principals.append(_entry_principal(data[offset : offset + size]))
        offset += abs(size)
    return principals


def _entry_principal(entry: bytes) -> str:
    (count,) = struct.unpack_from(">H", entry, 0)
    offset = 2
    strings = []
    for _ in range(count + 1):  # the realm, then the name components
        (length,) = struct.unpack_from(">H", entry, offset)
        strings.append(entry[offset + 2 : offset + 2 + length].decode(errors="replace"))
        offset += 2 + length
    realm, *components = strings
    return f"{'/'.join(components)}@{realm}"
