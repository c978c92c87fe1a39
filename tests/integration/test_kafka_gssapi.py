"""SASL GSSAPI (Kerberos) on the dev stack: a real MIT KDC on 127.0.0.1 and the broker's GSSAPI
listener. The participant is configured as the Java participant is: ``KAFKA_SASL_MECHANISM=GSSAPI``
and a ``Krb5LoginModule`` JAAS line naming its keytab and principal."""

from __future__ import annotations

import asyncio
import base64
import logging
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import SecretStr

from acm_participant.errors import TransportAuthError
from acm_participant.transport.base import Subscription
from acm_participant.transport.kafka import KafkaTransport
from acm_participant.transport.kafka_admin import ensure_topics
from acm_participant.transport.kafka_kerberos import gssapi_missing
from acm_participant.transport.kafka_settings import KafkaSettings
from kserve_participant.devstack import Stack, StackInfo
from kserve_participant.devstack.kdc import REALM, KerberosLogin, add_principal, kadmin, kdc_missing
from tests.integration import ops_support as ops
from tests.integration.kserve_support import entity
from tests.integration.test_kafka_sasl import OPTIONS

pytestmark = pytest.mark.integration

HANG_GUARD_S = 60


@pytest.fixture
def kerberos(stack_info: StackInfo, monkeypatch: pytest.MonkeyPatch) -> KerberosLogin:
    """The participant's principal and keytab in the dev realm, with this process's Kerberos
    environment pointed at the dev KDC (and restored afterwards)."""
    missing = kdc_missing() or gssapi_missing()
    if missing or not stack_info.kafka_gssapi_bootstrap:
        pytest.skip(missing or "the stack started without its KDC")
    assert stack_info.krb5_config is not None
    assert stack_info.kerberos_keytab is not None
    monkeypatch.setenv("KRB5_CONFIG", str(stack_info.krb5_config))
    # the login sets these for the whole process: let monkeypatch put them back
    monkeypatch.setenv("KRB5CCNAME", "MEMORY:unused-before-login")
    monkeypatch.delenv("KRB5_CLIENT_KTNAME", raising=False)
    return KerberosLogin(stack_info.kerberos_principal, stack_info.kerberos_keytab)


def gssapi_settings(info: StackInfo, login: KerberosLogin) -> KafkaSettings:
    return KafkaSettings(
        bootstrap_servers=(info.kafka_gssapi_bootstrap,),
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="GSSAPI",
        sasl_jaas_config=SecretStr(login.jaas_config()),
        client_id="gssapi-test",
    )


def gssapi_env(info: StackInfo, login: KerberosLogin) -> dict[str, str]:
    """What the Java participant's Deployment sets, plus where krb5.conf is."""
    return {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "GSSAPI",
        "KAFKA_SASL_JAAS_CONFIG": login.jaas_config(),
        "KRB5_CONFIG": str(info.krb5_config),
    }


async def test_kafka_delivers_record_when_authenticated_with_kerberos_keytab_and_principal(
    stack_info: StackInfo, kerberos: KerberosLogin
):
    settings = gssapi_settings(stack_info, kerberos)
    topic = f"gssapi-{uuid4().hex[:10]}"
    await ensure_topics(settings, [topic])  # logs in with the keytab first
    transport = KafkaTransport(settings, [Subscription(topic, f"g-{uuid4()}")], options=OPTIONS)
    await transport.start()
    try:
        await transport.publish(topic, b'{"over":"GSSAPI"}', key="k1")
        async with asyncio.timeout(30):
            record = await anext(aiter(transport.records()))
    finally:
        await transport.stop()
    assert (record.topic, record.value, record.key) == (topic, b'{"over":"GSSAPI"}', b"k1")


async def test_participant_registers_deploys_and_undeploys_over_gssapi_when_configured_like_java(
    stack: Stack, kerberos: KerberosLogin, namespace: str, tmp_path: Path
):
    info = stack.info
    topics = ops.Topics.fresh()
    config = ops.stack_config(info, topics, bootstrap=info.kafka_gssapi_bootstrap)
    async with (
        ops.runtime_driver(gssapi_settings(info, kerberos), topics, options=OPTIONS) as driver,
        ops.participant_process(tmp_path, config, env=gssapi_env(info, kerberos)) as participant,
    ):
        await participant.wait_ready()
        composition_id = await ops.prime_kserve(driver, participant.participant_id)
        instance_id = ops.kserve_instance(driver, composition_id, [entity("krb-model", namespace)])
        acks = await driver.deploy(instance_id)
        assert ops.element_results(acks) == [("DEPLOYED", "NO_ERROR")]
        acks = await driver.undeploy(instance_id)
        assert ops.element_results(acks) == [("UNDEPLOYED", "NO_ERROR")]
    log = participant.output()
    assert (
        f"Connecting to Kafka {info.kafka_gssapi_bootstrap} SASL_PLAINTEXT GSSAPI "
        f"principal '{kerberos.principal}'"
    ) in log


@pytest.mark.parametrize("wrong", ["principal", "keytab"])
async def test_participant_exits_with_one_clear_error_when_kerberos_principal_or_keytab_wrong(
    stack: Stack, kerberos: KerberosLogin, tmp_path: Path, wrong: str
):
    info = stack.info
    assert info.krb5_config is not None
    if wrong == "principal":
        login = KerberosLogin(f"nobody@{REALM}", kerberos.keytab)
        reason = "the keytab holds no key for that principal"
    else:
        login = stale_keytab(info, tmp_path)
        reason = "Decrypt integrity check failed"
    config = ops.stack_config(info, ops.Topics.fresh(), bootstrap=info.kafka_gssapi_bootstrap)
    async with ops.participant_process(
        tmp_path, config, env=gssapi_env(info, login)
    ) as participant:
        exit_code = await participant.wait_exit(within=HANG_GUARD_S)
    log = participant.output()
    assert exit_code == 3, log
    failures = [line for line in log.splitlines() if "Kerberos login failed" in line]
    final = [line for line in failures if "attempt" not in line]
    assert len(final) == 1, log
    assert f"Kerberos login failed for principal '{login.principal}'" in final[0]
    assert reason in final[0]
    assert "Traceback" not in log
    keytab = login.keytab.read_bytes() if login.keytab else b""
    assert base64.b64encode(keytab).decode() not in log


def stale_keytab(info: StackInfo, directory: Path) -> KerberosLogin:
    """A principal of its own whose keytab holds keys the KDC no longer has (re-keyed since)."""
    assert info.krb5_config is not None
    kdc = info.krb5_config.parent
    login = KerberosLogin(f"stale-{uuid4().hex[:8]}@{REALM}", directory / "stale.keytab")
    add_principal(kdc, login)
    kadmin(kdc, f"cpw -randkey {login.principal}")
    return login


async def test_transport_start_raises_auth_error_naming_principal_when_keytab_lacks_it(
    stack_info: StackInfo, kerberos: KerberosLogin, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    login = KerberosLogin(f"ghost@{REALM}", kerberos.keytab)
    transport = KafkaTransport(
        gssapi_settings(stack_info, login), [Subscription("never-used", "g")], options=OPTIONS
    )
    try:
        with pytest.raises(TransportAuthError) as caught:
            async with asyncio.timeout(HANG_GUARD_S):
                await transport.start()
    finally:
        await transport.stop()
    assert str(caught.value) == (
        f"Kerberos login failed for principal '{login.principal}' with keytab {login.keytab}: "
        f"the keytab holds no key for that principal (it holds keys for: {kerberos.principal})"
    )
