"""`kserve-participant run` refuses a bad configuration with one line and exit code 2."""

from __future__ import annotations

from typer.testing import CliRunner

from kserve_participant.cli.main import app


def test_run_exits_2_with_one_line_naming_the_key_when_config_value_is_invalid(tmp_path):
    path = tmp_path / "application.yaml"
    path.write_text("server:\n  port: seventy\n")
    result = CliRunner().invoke(app, ["run", "--config", str(path)])
    assert result.exit_code == 2
    assert (
        result.output.strip()
        == 'configuration error: server.port: must be a port number (0-65535), got "seventy"'
    )


def test_run_exits_2_when_sasl_has_no_credentials_before_touching_the_broker(tmp_path):
    env = {
        "KAFKA_SERVER": "127.0.0.1:1",
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    }
    result = CliRunner().invoke(app, ["run"], env=env)
    assert result.exit_code == 2
    assert "kafka.properties.sasl.jaas.config" in result.output


def test_run_refuses_an_unknown_log_format_when_given_on_the_command_line():
    result = CliRunner().invoke(app, ["run", "--log-format", "xml"])
    assert result.exit_code == 2
    assert "--log-format" in result.output
