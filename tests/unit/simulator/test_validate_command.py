"""`kserve-participant validate`: what a user sees and the exit code."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kserve_participant.cli.main import app

runner = CliRunner()


def test_validate_command_exits_1_and_lists_fixes_when_onap_published_sample(
    published_tosca: Path, published_instance: Path
):
    result = runner.invoke(
        app, ["validate", "--tosca", str(published_tosca), "--instance", str(published_instance)]
    )

    assert result.exit_code == 1
    assert f"{published_tosca}:16" in result.output
    assert f"{published_tosca}:108" in result.output
    assert f"{published_instance}:19" in result.output
    assert result.output.count("fix:") == result.output.count("error  ") + result.output.count(
        "warning "
    )
    assert "3 error(s) (3 that ONAP's runtime would refuse)" in result.output


def test_validate_command_exits_0_when_corrected_examples(
    example_tosca: Path, example_instance: Path
):
    result = runner.invoke(
        app, ["validate", "--tosca", str(example_tosca), "--instance", str(example_instance)]
    )

    assert result.exit_code == 0, result.output
    assert "no errors, 1 warning(s)" in result.output


def test_validate_command_refuses_to_run_when_no_file_is_given():
    result = runner.invoke(app, ["validate"])

    assert result.exit_code == 2
    assert "give --tosca, --instance or both" in result.output
