"""Offline validation of ONAP's KServe sample, the corrected examples and broken copies of them."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from kserve_participant.simulator.problems import Origin, Severity
from kserve_participant.simulator.validation import validate_files

from .conftest import BrokenCopy

PAYLOAD_KIND = '"kind": "InferenceService"'
PAYLOAD_NAME = '"metadata": {"name": "sklearn-iris"}'


def test_validation_refuses_like_the_runtime_when_onap_published_template(published_tosca: Path):
    report = validate_files(tosca=published_tosca)

    refused = {(p.line, p.message) for p in report.runtime_errors}
    assert refused == {
        (
            16,
            'item "data type" value "onap.datatypes.ToscaConceptIdentifier:1.0.0" '
            "INVALID, not found",
        ),
        (
            78,
            'item "data type" value "org.onap.datatypes.policy.clamp.acm.'
            'kserveAutomationCompositionElement.KserveInferenceEntityId:1.0.0" INVALID, not found',
        ),
        (
            108,
            'item "node Template" value "org.onap.policy.clamp.acm.AutomationComposition:1.0.0" '
            "INVALID, not found",
        ),
    }


def test_validation_gives_each_runtime_error_its_fix_when_onap_published_template(
    published_tosca: Path,
):
    fixes = {p.line: p.fix for p in validate_files(tosca=published_tosca).runtime_errors}

    assert "`version: 1.0.0`" in fixes[16]
    assert "type_version: 1.0.0" in fixes[16]
    assert '"org.onap.datatypes.policy.clamp.acm.kserveAutomationCompositionElement.' in fixes[78]
    assert "type_version: 1.0.1" in fixes[108]


def test_validation_warns_about_name_mismatch_when_onap_published_instance(
    published_tosca: Path, published_instance: Path
):
    report = validate_files(tosca=published_tosca, instance=published_instance)

    assert [p for p in report.errors if p.origin is Origin.PARTICIPANT] == []
    [mismatch] = [p for p in report.warnings if "metadata.name" in p.path]
    assert mismatch.file == str(published_instance)
    assert mismatch.line == 19
    assert mismatch.path.endswith("kserveInferenceEntities[0].payload.metadata.name")
    assert '"sklearn-iris"' in mismatch.message
    assert '"demo-inference-service"' in mismatch.message


def test_validation_warns_about_undeclared_timing_properties_when_onap_published_template(
    published_tosca: Path,
):
    warned = {p.path.rsplit(".", 1)[-1] for p in validate_files(tosca=published_tosca).warnings}

    assert {"uninitializedToPassiveTimeout", "statusCheckInterval", "kserveEntityId"} <= warned


def test_validation_finds_no_error_when_corrected_examples(
    example_tosca: Path, example_instance: Path
):
    report = validate_files(tosca=example_tosca, instance=example_instance)

    assert report.errors == []
    assert [p.message for p in report.warnings] == [
        'namespace "demo-namespace" must exist before deploy: neither ONAP nor the participant '
        "creates it"
    ]


def test_validation_reports_payload_kind_when_payload_is_not_an_inference_service(
    example_tosca: Path, example_instance: Path, broken_copy: BrokenCopy
):
    instance = broken_copy(example_instance, PAYLOAD_KIND, '"kind": "Deployment"')

    report = validate_files(tosca=example_tosca, instance=instance)

    [error] = report.errors
    assert error.origin is Origin.PARTICIPANT
    assert error.path.endswith("payload.kind")
    assert error.line == 19
    assert '"Deployment"' in error.message
    assert '"kind": "InferenceService"' in error.fix


def test_validation_reports_json_error_when_payload_is_not_json(
    example_tosca: Path, example_instance: Path, broken_copy: BrokenCopy
):
    instance = broken_copy(example_instance, PAYLOAD_NAME, '"metadata": {"name": "sklearn-iris"')

    [error] = validate_files(tosca=example_tosca, instance=instance).errors

    assert error.message.startswith("payload is not JSON")
    assert error.path.endswith("kserveInferenceEntities[0].payload")


def test_validation_reports_legacy_api_version_when_payload_uses_v1alpha2(
    example_tosca: Path, example_instance: Path, broken_copy: BrokenCopy
):
    instance = broken_copy(
        example_instance, '"serving.kserve.io/v1beta1"', '"serving.kserve.io/v1alpha2"'
    )

    [error] = validate_files(tosca=example_tosca, instance=instance).errors

    assert error.path.endswith("payload.apiVersion")
    assert "no longer serves" in error.message


def test_validation_refuses_like_the_runtime_when_node_template_lacks_type_version(
    example_tosca: Path, broken_copy: BrokenCopy
):
    tosca = broken_copy(
        example_tosca,
        "      type: org.onap.policy.clamp.acm.AutomationComposition\n      type_version: 1.0.1\n",
        "      type: org.onap.policy.clamp.acm.AutomationComposition\n",
    )

    [error] = validate_files(tosca=tosca).errors

    assert error.origin is Origin.RUNTIME
    assert "Version not specified" in error.message
    assert "`type_version: 1.0.1`" in error.fix
    assert error.line == 122


def test_validation_refuses_like_the_runtime_when_instance_names_another_element_version(
    example_tosca: Path, example_instance: Path, broken_copy: BrokenCopy
):
    instance = broken_copy(example_instance, "      version: 1.2.3\n", "      version: 1.2.4\n")

    [error] = validate_files(tosca=example_tosca, instance=instance).errors

    assert error.origin is Origin.RUNTIME
    assert "Version not matching" in error.message
    assert error.fix == "set `version: 1.2.3`"


def test_validation_refuses_like_the_runtime_when_composition_id_differs(
    example_instance: Path, broken_copy: BrokenCopy
):
    other = UUID("c0ffee00-1234-4abc-8def-0123456789ab")
    instance = broken_copy(
        example_instance, "compositionId: {{compositionId}}", f"compositionId: {UUID(int=7)}"
    )

    [error] = validate_files(instance=instance, composition_id=other).errors

    assert error.message == f"{UUID(int=7)} do not match with {other}"
    assert error.line == 3


def test_validation_reports_missing_namespace_when_entity_has_none(
    example_tosca: Path, example_instance: Path, broken_copy: BrokenCopy
):
    instance = broken_copy(example_instance, "          namespace: demo-namespace\n", "")

    [error] = validate_files(tosca=example_tosca, instance=instance).errors

    assert error.origin is Origin.PARTICIPANT
    assert error.message.startswith("namespace is missing")


def test_validation_reports_the_line_when_yaml_is_broken(
    example_tosca: Path, broken_copy: BrokenCopy
):
    tosca = broken_copy(
        example_tosca,
        "        provider: ONAP\n        participantType:",
        "        provider: [ONAP\n        participantType:",
    )

    [error] = validate_files(tosca=tosca).errors

    assert error.severity is Severity.ERROR
    assert error.message.startswith("not valid YAML")
    assert error.line == 116  # where the parser finds the list unclosed: the next key


def test_validation_reports_unreadable_file_when_path_does_not_exist(tmp_path: Path):
    [error] = validate_files(tosca=tmp_path / "missing.yml").errors

    assert error.message.startswith("cannot read the file")


def test_validation_reports_timing_property_when_it_is_not_seconds(
    example_tosca: Path, broken_copy: BrokenCopy
):
    tosca = broken_copy(example_tosca, "statusCheckInterval: 30", "statusCheckInterval: soon")

    [error] = validate_files(tosca=tosca).errors

    assert error.origin is Origin.PARTICIPANT
    assert error.path.endswith("properties.statusCheckInterval")
    assert "'soon'" in error.message


def test_validation_refuses_like_the_runtime_when_a_parent_type_is_not_defined(
    example_tosca: Path, broken_copy: BrokenCopy
):
    tosca = broken_copy(
        example_tosca,
        "    derived_from: org.onap.policy.clamp.acm.AutomationCompositionElement\n",
        "    derived_from: org.onap.policy.clamp.acm.AutomationCompositionElemnt\n",
    )

    errors = validate_files(tosca=tosca).runtime_errors

    assert (
        'item "parent" value "org.onap.policy.clamp.acm.AutomationCompositionElemnt" '
        "INVALID, not found"
    ) in [e.message for e in errors]
    [parent] = [e for e in errors if "parent" in e.message]
    assert '"org.onap.policy.clamp.acm.AutomationCompositionElement"' in parent.fix


def test_validation_refuses_like_the_runtime_when_no_composition_node_template_exists(
    example_tosca: Path, broken_copy: BrokenCopy
):
    tosca = broken_copy(
        example_tosca,
        "      type: org.onap.policy.clamp.acm.AutomationComposition\n",
        "      type: org.onap.policy.clamp.acm.Participant\n",
    )

    messages = [e.message for e in validate_files(tosca=tosca).runtime_errors]

    assert (
        "NodeTemplate with type org.onap.policy.clamp.acm.AutomationComposition must exist!"
        in messages
    )


def test_validation_reports_a_composition_element_naming_no_node_template(
    example_tosca: Path, broken_copy: BrokenCopy
):
    tosca = broken_copy(
        example_tosca,
        "          - name: onap.policy.clamp.ac.element.KserveAutomationCompositionElement\n"
        "            version: 1.2.3\n",
        "          - name: onap.policy.clamp.ac.element.KserveAutomationCompositionElement\n"
        "            version: 1.2.4\n",
    )

    [error] = validate_files(tosca=tosca).runtime_errors

    assert "names no node template" in error.message
    assert error.fix == (
        "set `version: 1.2.3`, the version of node template "
        "onap.policy.clamp.ac.element.KserveAutomationCompositionElement"
    )


def test_validation_warns_about_a_payload_field_kserves_schema_does_not_declare(
    example_instance: Path, broken_copy: BrokenCopy
):
    broken = broken_copy(example_instance, '"predictor": {', '"predictor": {"minReplica": 2, ')

    report = validate_files(instance=broken)

    [typo] = [p for p in report.warnings if "minReplica" in p.message]
    assert '"spec.predictor.minReplica" is not declared' in typo.message
    assert typo.fix == 'did you mean "minReplicas"?'
    assert typo.line == 19
    assert not report.errors
