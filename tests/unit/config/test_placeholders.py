"""Spring ``${VAR:default}`` resolution as the Java application.yaml relies on it."""

from __future__ import annotations

import pytest

from kserve_participant.config.placeholders import (
    UnresolvedPlaceholder,
    resolve_placeholders,
    resolve_text,
)


def test_placeholder_uses_environment_when_variable_is_set():
    assert resolve_text("${KAFKA_SERVER:kafka:9092}", {"KAFKA_SERVER": "b:1"}) == "b:1"


def test_placeholder_uses_default_after_first_colon_when_variable_is_unset():
    assert resolve_text("${KAFKA_SERVER:kafka:9092}", {}) == "kafka:9092"


def test_placeholder_resolves_nested_default_when_outer_variable_is_unset():
    assert resolve_text("${A:${B:x}}-y", {"B": "b"}) == "b-y"


def test_placeholder_is_empty_when_default_is_empty():
    assert resolve_text("${KAFKA_SASL_JAAS_CONFIG:}", {}) == ""


def test_placeholder_uses_relaxed_name_when_written_with_dots():
    assert resolve_text("${topic.server:none}", {"TOPIC_SERVER": "k:1"}) == "k:1"


def test_placeholder_without_default_fails_with_key_path_when_unset():
    with pytest.raises(UnresolvedPlaceholder) as caught:
        resolve_placeholders({"server": {"port": "${PORT}"}}, {})
    assert caught.value.path == "server.port"
    assert "PORT" in str(caught.value)


def test_placeholders_resolve_inside_lists_and_leave_other_scalars_when_tree_is_mixed():
    tree = {"servers": ["${S:a}", 3, True]}
    assert resolve_placeholders(tree, {"S": "z"}) == {"servers": ["z", 3, True]}


def test_unterminated_placeholder_is_kept_literally_when_brace_is_missing():
    assert resolve_text("a${B", {}) == "a${B"
