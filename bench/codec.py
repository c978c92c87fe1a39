"""Codec throughput beside plain ``json``: run ``.venv/bin/python -m bench.codec``.

Measures, on one core, decode (bytes -> typed message, dispatch on ``messageType`` included)
and encode (message -> bytes) of two messages: a PARTICIPANT_STATUS carrying 20 element infos
and an AUTOMATION_COMPOSITION_DEPLOY carrying 5 elements with KServe InferenceService payloads
(from /work/shared/samples/kserve, or built-in copies if that directory is absent). The
baseline is ``json.loads`` / ``json.dumps`` of the same bytes; the ratio is codec time over
json time. Time is this process's CPU time, so messages/s means "on one busy core" even when
other processes compete for the CPU; each figure is the best of several rounds.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml

from acm_participant.protocol import (
    AcElementDeploy,
    AutomationCompositionDeploy,
    AutomationCompositionElementInfo,
    AutomationCompositionInfo,
    CompositionElementDto,
    DeployOrder,
    DeployState,
    ElementDto,
    InstanceElementDto,
    LockState,
    ParticipantDeploy,
    ParticipantDto,
    ParticipantMessage,
    ParticipantStatus,
    ParticipantSupportedElementType,
    ToscaConceptIdentifier,
    decode,
    encode,
)

KSERVE_SAMPLES = Path("/work/shared/samples/kserve")
SAMPLE_FILES = (
    "docs__samples__v1beta1__sklearn__v1__sklearn.yaml",
    "docs__samples__v1beta1__tensorflow__canary.yaml",
    "docs__samples__v1beta1__xgboost__xgboost.yaml",
    "docs__samples__storage__uri__sklearn.yaml",
    "docs__samples__v1beta1__torchserve__v1__torchserve.yaml",
)
FALLBACK_PAYLOAD: dict[str, Any] = {
    "apiVersion": "serving.kserve.io/v1beta1",
    "kind": "InferenceService",
    "metadata": {"name": "sklearn-iris"},
    "spec": {
        "predictor": {
            "model": {
                "modelFormat": {"name": "sklearn"},
                "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
            }
        }
    },
}

PARTICIPANT = UUID("2d9b5e7a-4c1f-4a8e-9b3d-6f0e1a2b3c4d")
REPLICA = UUID("b7e4c2a1-9f3d-4e6b-8a5c-1d2e3f4a5b6c")
COMPOSITION = UUID("c0ffee00-1234-4abc-8def-0123456789ab")
INSTANCE = UUID("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
DEFINITION = ToscaConceptIdentifier(name="ac.element.Kserve", version="1.2.3")
SUPPORTED = ParticipantSupportedElementType(
    id=UUID("6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"),
    type_name="org.onap.policy.clamp.acm.KserveAutomationCompositionElement",
    type_version="1.0.1",
)


def element_id(index: int) -> UUID:
    return UUID(f"e1e2e3e4-0001-4a00-8b00-{index:012x}")


def status_with_element_infos(count: int) -> ParticipantStatus:
    elements = [
        AutomationCompositionElementInfo(
            automation_composition_element_id=element_id(index),
            deploy_state=DeployState.DEPLOYED,
            lock_state=LockState.LOCKED,
            operational_state="ENABLED",
            use_state="IDLE",
            out_properties={f"model-{index}": {"ready": True, "url": f"http://m{index}.models"}},
        )
        for index in range(count)
    ]
    info = AutomationCompositionInfo(
        automation_composition_id=INSTANCE,
        deploy_state=DeployState.DEPLOYED,
        lock_state=LockState.LOCKED,
        elements=elements,
    )
    return ParticipantStatus(
        participant_id=PARTICIPANT,
        replica_id=REPLICA,
        composition_id=COMPOSITION,
        automation_composition_info_list=[info],
        participant_supported_element_type=[SUPPORTED],
    )


def kserve_payloads() -> list[dict[str, Any]]:
    if not KSERVE_SAMPLES.is_dir():
        return [FALLBACK_PAYLOAD] * len(SAMPLE_FILES)
    return [yaml.safe_load((KSERVE_SAMPLES / name).read_text()) for name in SAMPLE_FILES]


def deploy_with_kserve_elements(payloads: list[dict[str, Any]]) -> AutomationCompositionDeploy:
    instance_properties = [
        {
            "kserveInferenceEntities": [
                {
                    "kserveInferenceEntityId": {"name": f"entity{index}", "version": "1.0.1"},
                    "name": payload["metadata"]["name"],
                    "namespace": "models",
                    "payload": json.dumps(payload),
                }
            ]
        }
        for index, payload in enumerate(payloads)
    ]
    composition_properties = {"startPhase": 0, "uninitializedToPassiveTimeout": 60}
    elements = [
        AcElementDeploy(
            id=element_id(index),
            definition=DEFINITION,
            ordered_state=DeployOrder.DEPLOY,
            properties=properties,
        )
        for index, properties in enumerate(instance_properties)
    ]
    dtos = [
        ElementDto(
            composition_element=CompositionElementDto(
                composition_id=COMPOSITION,
                element_definition_id=DEFINITION,
                in_properties=composition_properties,
            ),
            instance_element_target=InstanceElementDto(
                instance_id=INSTANCE, element_id=element_id(index), in_properties=properties
            ),
        )
        for index, properties in enumerate(instance_properties)
    ]
    return AutomationCompositionDeploy(
        automation_composition_id=INSTANCE,
        composition_id=COMPOSITION,
        revision_id_composition=UUID("bb22cc33-dd44-4e55-8f66-001122334455"),
        revision_id_instance=UUID("dd44ee55-ff66-4077-8899-aabbccddeeff"),
        participant_id_list=[PARTICIPANT],
        participant_updates_list=[
            ParticipantDeploy(participant_id=PARTICIPANT, ac_element_list=elements)
        ],
        participant_dto_list=[ParticipantDto(participant_id=PARTICIPANT, element_dtos=dtos)],
    )


def rate(operation: Callable[[], object], *, rounds: int, seconds: float) -> float:
    """Best operations per CPU second over ``rounds`` runs of about ``seconds`` CPU time each."""
    calls = 1
    while True:  # calibrate a batch lasting about a tenth of a round
        started = time.process_time()
        for _ in range(calls):
            operation()
        if time.process_time() - started > seconds / 10:
            break
        calls *= 2
    best = 0.0
    for _ in range(rounds):
        done = 0
        started = time.process_time()
        while (elapsed := time.process_time() - started) < seconds:
            for _ in range(calls):
                operation()
            done += calls
        best = max(best, done / elapsed)
    return best


def measure(label: str, message: ParticipantMessage, *, rounds: int, seconds: float) -> None:
    data = encode(message)
    assert decode(data) == message, "the benchmark message must round-trip"
    plain = json.loads(data)

    def codec_round_trip() -> None:
        encode(decode(data))

    def json_round_trip() -> None:
        json.dumps(json.loads(data), separators=(",", ":")).encode()

    figures = {
        "decode": (rate(lambda: decode(data), rounds=rounds, seconds=seconds),
                   rate(lambda: json.loads(data), rounds=rounds, seconds=seconds)),
        "encode": (rate(lambda: encode(message), rounds=rounds, seconds=seconds),
                   rate(lambda: json.dumps(plain, separators=(",", ":")).encode(),
                        rounds=rounds, seconds=seconds)),
        "decode+encode": (rate(codec_round_trip, rounds=rounds, seconds=seconds),
                          rate(json_round_trip, rounds=rounds, seconds=seconds)),
    }  # fmt: skip
    print(f"{label} ({len(data)} bytes)")
    print(f"  {'':<14}{'codec msg/s':>12}{'json msg/s':>12}{'ratio':>8}")
    for name, (codec_rate, json_rate) in figures.items():
        print(f"  {name:<14}{codec_rate:>12,.0f}{json_rate:>12,.0f}{json_rate / codec_rate:>7.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per figure")
    parser.add_argument("--seconds", type=float, default=0.5, help="length of one round")
    args = parser.parse_args()
    measure(
        "PARTICIPANT_STATUS, 20 element infos",
        status_with_element_infos(20),
        rounds=args.rounds,
        seconds=args.seconds,
    )
    measure(
        "AUTOMATION_COMPOSITION_DEPLOY, 5 KServe elements",
        deploy_with_kserve_elements(kserve_payloads()),
        rounds=args.rounds,
        seconds=args.seconds,
    )


if __name__ == "__main__":
    main()
