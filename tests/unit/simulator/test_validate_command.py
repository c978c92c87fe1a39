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


def test_validate_command_lists_every_kind_of_problem_at_once(
    example_tosca: Path, example_instance: Path, tmp_path: Path
):
    text = example_instance.read_text()
    for old, new in (
        ("      version: 1.2.3", "      version: 9.9.9"),
        ("name: sklearn-iris\n", "name: Sklearn_Iris\n"),
        ("namespace: demo-namespace", 'namespace: ""'),
        ("serving.kserve.io/v1beta1", "serving.kserve.io/v1alpha2"),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    broken = tmp_path / "instance.yml"
    broken.write_text(text)

    result = runner.invoke(
        app, ["validate", "--tosca", str(example_tosca), "--instance", str(broken)]
    )

    assert result.exit_code == 1
    assert "Version not matching (9.9.9 here, 1.2.3 in the composition)" in result.output
    assert '"Sklearn_Iris"' in result.output
    assert "namespace is missing or empty" in result.output
    assert "v1alpha2" in result.output
