"""What `--help` shows and which options `run` refuses, as an operator sees them."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kserve_participant.cli.main import app

SUB_COMMANDS = [["run"], ["validate"], ["sim"], ["dev"], ["dev", "up"], ["demo"]]


def _help(*words: str) -> str:
    result = CliRunner().invoke(app, [*words, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def test_top_level_help_is_rich_like_the_sub_commands_and_lists_every_command():
    text = _help()
    assert "╭─ Commands" in text
    assert "╭─ Options" in text
    for name in ("run", "validate", "sim", "dev", "demo"):
        assert f" {name} " in text


@pytest.mark.parametrize("words", SUB_COMMANDS, ids=" ".join)
def test_sub_command_help_offers_no_shell_completion_options(words):
    text = _help(*words)
    assert "--install-completion" not in text
    assert "--show-completion" not in text


@pytest.mark.parametrize("words", [["demo"], ["run"], []], ids=lambda w: " ".join(w) or "top")
def test_flags_are_shown_without_a_value_type(words):
    assert "<bool>" not in _help(*words)


def test_run_refuses_an_unknown_log_level_with_one_line_and_exit_2():
    result = CliRunner().invoke(app, ["run", "--log-level", "FOO"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "--log-level: must be DEBUG, INFO, WARNING or ERROR, got 'FOO'"
    )
