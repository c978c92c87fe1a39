"""Log lines: formats, bound ids, and secrets that never reach the output."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from kserve_participant.logs import bind, configure_logging
from kserve_participant.logs.repeats import RepeatLimiter

JAAS = (
    "org.apache.kafka.common.security.scram.ScramLoginModule required "
    'username="participant" password="Kafka-Pa55word";'
)
PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLXZhbHVl"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    redaction = configure_logging(
        level="DEBUG", log_format="kv", stream=stream, secrets=("Http-Secret-1",)
    )
    stream.redaction = redaction  # type: ignore[attr-defined]
    yield stream
    root.handlers[:] = before[0]
    root.setLevel(before[1])


def _json_output() -> tuple[io.StringIO, logging.Logger]:
    stream = io.StringIO()
    configure_logging(level="INFO", log_format="json", stream=stream)
    return stream, logging.getLogger("test.json")


def test_kv_line_carries_level_logger_and_message_when_logging_info(output):
    logging.getLogger("test.kv").info("registered with %s", "runtime")
    line = output.getvalue().strip()
    assert " level=info logger=test.kv " in line
    assert 'msg="registered with runtime"' in line


def test_json_line_is_one_object_with_extra_fields_when_json_is_chosen(output):
    stream, logger = _json_output()
    logger.info("deployed", extra={"isvc": "ns/sklearn"})
    record = json.loads(stream.getvalue().strip())
    assert record["msg"] == "deployed"
    assert record["isvc"] == "ns/sklearn"
    assert record["level"] == "info"


def test_bound_ids_appear_on_lines_inside_the_block_only_when_bound(output):
    logger = logging.getLogger("test.bind")
    with bind(participant="p-1", instance="i-1", element="e-1"):
        logger.info("inside")
    logger.info("outside")
    inside, outside = output.getvalue().strip().splitlines()
    assert "participant=p-1 instance=i-1 element=e-1" in inside
    assert "instance=" not in outside


async def test_bound_ids_stay_in_their_task_when_tasks_run_concurrently(output):
    logger = logging.getLogger("test.tasks")
    started = asyncio.Event()
    release = asyncio.Event()

    async def element(name: str) -> None:
        with bind(element=name):
            started.set()
            await release.wait()
            logger.info("done")

    tasks = [asyncio.create_task(element("a")), asyncio.create_task(element("b"))]
    await started.wait()
    release.set()
    await asyncio.gather(*tasks)
    lines = [line for line in output.getvalue().splitlines() if "logger=test.tasks" in line]
    assert sorted(line.rsplit("element=", 1)[1] for line in lines) == ["a", "b"]


def test_jaas_password_is_redacted_when_it_is_a_log_argument(output):
    logging.getLogger("t").info("kafka config %s", JAAS)
    text = output.getvalue()
    assert "Kafka-Pa55word" not in text
    assert 'username=\\"participant\\"' in text or 'username="participant"' in text


def test_configured_secret_is_redacted_when_it_appears_in_any_shape(output):
    logging.getLogger("t").warning("weird: Http-Secret-1 in a sentence")
    assert "Http-Secret-1" not in output.getvalue()


def test_registered_secret_is_redacted_when_added_after_start(output):
    output.redaction.add_secrets(["late-token-value"])
    logging.getLogger("t").info("token late-token-value")
    assert "late-token-value" not in output.getvalue()


def test_bearer_basic_and_jwt_values_are_redacted_when_headers_are_logged(output):
    logging.getLogger("t").info(
        "headers Authorization: Bearer abc.def-ghi and Basic dXNlcjpwYXNzd29yZA== and %s", JWT
    )
    text = output.getvalue()
    for secret in ("abc.def-ghi", "dXNlcjpwYXNzd29yZA==", JWT):
        assert secret not in text


def test_private_key_is_redacted_when_pem_is_logged(output):
    logging.getLogger("t").info("key %s", PEM_KEY)
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" not in output.getvalue()


def test_exception_text_is_redacted_when_an_error_carries_a_secret(output):
    try:
        raise RuntimeError(f"login failed with {JAAS}")
    except RuntimeError:
        logging.getLogger("t").exception("kafka failed")
    text = output.getvalue()
    assert "Kafka-Pa55word" not in text
    assert "RuntimeError" in text


def test_extra_field_is_redacted_when_it_holds_a_password(output):
    logging.getLogger("t").info("conf", extra={"detail": "password=hunter22"})
    assert "hunter22" not in output.getvalue()


def test_password_in_url_is_redacted_when_url_has_userinfo(output):
    logging.getLogger("t").info("dmaap https://user:Url-Pass-9@mr:3905/events")
    text = output.getvalue()
    assert "Url-Pass-9" not in text
    assert "https://user:" in text


def test_level_filters_debug_when_level_is_info():
    stream = io.StringIO()
    configure_logging(level="INFO", log_format="kv", stream=stream)
    logging.getLogger("t").debug("hidden")
    logging.getLogger("t").info("shown")
    assert "hidden" not in stream.getvalue()
    assert "shown" in stream.getvalue()


def test_reconfiguring_replaces_our_handler_when_called_twice(output):
    configure_logging(level="INFO", log_format="kv", stream=io.StringIO())
    named = [h for h in logging.getLogger().handlers if h.get_name() == "kserve-participant"]
    assert len(named) == 1


def test_prose_about_credentials_is_kept_when_no_secret_follows(output):
    logging.getLogger("t").error("broker refused the participant's credentials: Kafka said no")
    assert "credentials: Kafka said no" in output.getvalue()


def test_yaml_and_json_password_values_are_redacted_when_logged(output):
    logging.getLogger("t").info('yaml password: hunter-1 json {"password": "hunter-2"}')
    text = output.getvalue()
    assert "hunter-1" not in text
    assert "hunter-2" not in text


def test_repeated_library_errors_are_limited_when_a_broker_is_away():
    clock = Clock()
    limiter = RepeatLimiter(("aiokafka",), window_s=60, clock=clock)
    stream = io.StringIO()
    logger = logging.getLogger("aiokafka.test-repeats")
    handler = logging.StreamHandler(stream)
    handler.addFilter(limiter)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for _ in range(5):
            logger.error("Unable connect to node with id %s", 1)
        clock.now += 61
        logger.error("Unable connect to node with id %s", 1)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    lines = stream.getvalue().strip().splitlines()
    assert lines == [
        "Unable connect to node with id 1",
        "Unable connect to node with id 1 (repeated 4 more times in 60 s)",
    ]


def test_our_own_lines_are_never_limited_when_repeated():
    limiter = RepeatLimiter(("aiokafka",), window_s=60, clock=Clock())
    record = logging.LogRecord("kserve_participant.x", logging.ERROR, "", 0, "same", None, None)
    assert all(limiter.filter(record) for _ in range(3))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_jaas_config_in_a_json_config_dump_redacts_only_the_value(output):
    dump = json.dumps(
        {
            "sasl.jaas.config": JAAS,
            "sasl.mechanism": "SCRAM-SHA-512",
            "security.protocol": "SASL_SSL",
        },
        sort_keys=True,
    )
    logging.getLogger("t").info("starting config=%s tail=kept", dump)
    text = output.getvalue()
    assert "Kafka-Pa55word" not in text
    assert "SCRAM-SHA-512" in text
    assert "tail=kept" in text


def test_jaas_config_keeps_json_log_lines_valid_json():
    stream, logger = _json_output()
    dump = json.dumps({"sasl.jaas.config": JAAS, "security.protocol": "SASL_SSL"})
    logger.info("starting config=%s", dump)
    record = json.loads(stream.getvalue().strip())
    assert "Kafka-Pa55word" not in record["msg"]
    assert json.loads(record["msg"].removeprefix("starting config="))["security.protocol"] == (
        "SASL_SSL"
    )


def test_jaas_config_in_a_properties_line_redacts_up_to_the_semicolon(output):
    logging.getLogger("t").info("sasl.jaas.config=%s next=value", JAAS)
    text = output.getvalue()
    assert "Kafka-Pa55word" not in text
    assert "next=value" in text
