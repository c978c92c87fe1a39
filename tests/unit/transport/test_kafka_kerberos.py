"""The Java participant's Kerberos JAAS line read for GSSAPI: principal and keytab, the keytab's
principals, and the configuration errors reported before any connection."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from acm_participant.errors import TransportAuthError
from acm_participant.transport.kafka_kerberos import (
    KerberosLogin,
    gssapi_missing,
    keytab_principals,
    parse_kerberos_login,
)
from acm_participant.transport.kafka_settings import KafkaSettings

JAVA_JAAS = (
    "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true "
    'keyTab="/etc/security/keytabs/ppnt.keytab" principal="kserve-ppnt@EXAMPLE.ORG";'
)


def keytab_bytes(*principals: tuple[str, list[str]]) -> bytes:
    """An MIT keytab (format 0x0502) with one entry per (realm, components); dummy keys."""

    def counted(text: str) -> bytes:
        return struct.pack(">H", len(text)) + text.encode()

    data = b"\x05\x02"
    for realm, components in principals:
        entry = struct.pack(">H", len(components)) + counted(realm)
        entry += b"".join(counted(c) for c in components)
        entry += struct.pack(">IIB", 1, 0, 2) + struct.pack(">H", 18) + counted("k" * 32)
        data += struct.pack(">i", len(entry)) + entry
    data += struct.pack(">i", -12) + bytes(12)  # a hole left by a removed entry
    return data


def test_jaas_line_gives_principal_and_keytab_when_krb5_login_module():
    assert parse_kerberos_login(JAVA_JAAS) == KerberosLogin(
        "kserve-ppnt@EXAMPLE.ORG", Path("/etc/security/keytabs/ppnt.keytab")
    )


def test_jaas_line_gives_no_keytab_when_use_keytab_false():
    line = (
        'com.sun.security.auth.module.Krb5LoginModule required useTicketCache=true principal="a@B";'
    )
    assert parse_kerberos_login(line) == KerberosLogin("a@B", None)


def test_jaas_line_is_not_kerberos_when_scram():
    line = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u";'
    assert parse_kerberos_login(line) is None


def test_keytab_reader_lists_every_principal_when_entries_and_holes(tmp_path):
    keytab = tmp_path / "x.keytab"
    keytab.write_bytes(keytab_bytes(("R.ORG", ["kafka", "host1"]), ("R.ORG", ["ppnt"])))
    assert keytab_principals(keytab) == ["kafka/host1@R.ORG", "ppnt@R.ORG"]


def test_keytab_reader_raises_auth_error_when_file_is_not_a_keytab(tmp_path):
    keytab = tmp_path / "x.keytab"
    keytab.write_text("not a keytab")
    with pytest.raises(TransportAuthError, match="is not a Kerberos keytab"):
        keytab_principals(keytab)


@pytest.mark.skipif(gssapi_missing() is not None, reason="checks need the gssapi package")
def test_settings_refuse_gssapi_when_the_keytab_file_is_missing():
    with pytest.raises(ValidationError, match=r"Kerberos keytab .* not found: /etc/security"):
        KafkaSettings(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="GSSAPI",
            sasl_jaas_config=SecretStr(JAVA_JAAS),
        )


@pytest.mark.skipif(gssapi_missing() is not None, reason="checks need the gssapi package")
def test_settings_describe_the_principal_when_gssapi_with_keytab(tmp_path):
    keytab = tmp_path / "ppnt.keytab"
    keytab.write_bytes(keytab_bytes(("EXAMPLE.ORG", ["kserve-ppnt"])))
    settings = KafkaSettings.from_properties(
        "broker:9092",
        {
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "GSSAPI",
            "sasl.jaas.config": JAVA_JAAS.replace("/etc/security/keytabs/ppnt.keytab", str(keytab)),
        },
    )
    assert (
        settings.describe()
        == "broker:9092 SASL_PLAINTEXT GSSAPI principal 'kserve-ppnt@EXAMPLE.ORG'"
    )
    assert settings.connection_kwargs()["sasl_kerberos_service_name"] == "kafka"


def test_missing_gssapi_package_is_explained_with_what_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_gssapi(name, *args, **kwargs):
        if name == "gssapi":
            raise ImportError("No module named 'gssapi'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_gssapi)
    message = gssapi_missing()
    assert message is not None
    assert "pip install gssapi" in message
    assert "apt-get install libkrb5-dev" in message
