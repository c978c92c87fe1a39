"""Every `sim` command that talks to the participant offers the same connection and wait options."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from kserve_participant.cli.main import app

SHARED = {
    "--config",
    "--kafka",
    "--dmaap",
    "--kubeconfig",
    "--log-level",
    "--state",
    "--max-operation-wait",
    "--participant-wait",
}
STEPS = ["run", "prime", "deploy", "update", "undeploy", "delete", "deprime"]


def _options(command: str) -> set[str]:
    result = CliRunner().invoke(app, ["sim", command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return set(re.findall(r"(--[a-z][a-z-]+)", result.output))


@pytest.mark.parametrize("command", STEPS)
def test_sim_command_offers_every_shared_option_when_asked_for_help(command):
    assert _options(command) >= SHARED


def test_sim_prime_rejects_nothing_the_other_steps_accept_when_given_kubeconfig(tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("{}")
    result = CliRunner().invoke(
        app,
        [
            "sim",
            "prime",
            "--tosca",
            "x.yml",
            "--instance",
            "y.yml",
            "--kubeconfig",
            str(kubeconfig),
        ],
    )
    assert "No such option" not in result.output
