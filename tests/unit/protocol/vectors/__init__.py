"""Wire vectors: one ONAP-shaped example per message type (docs/protocol/messages.md §4) and shape
variants, two of them made from the text alone:
``automation_composition_deploy_ack.json`` (the STATECHANGE_ACK example with the other type,
as docs/protocol.md §4.10 says) and ``participant_state_change.json`` (an envelope of the retired
type).

``shapes/<type>.<shape>.json`` hold the same message as a master runtime (DTO lists,
``partitionKey``), a 9.0.1 runtime (explicit nulls) and a Gson runtime up to 9.0.0 (legacy
members) would write it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).parent
SAMPLES = Path("/work/shared/samples/onap")

# The spec's participant ids, shared by every example.
PARTICIPANT = "2d9b5e7a-4c1f-4a8e-9b3d-6f0e1a2b3c4d"
REPLICA = "b7e4c2a1-9f3d-4e6b-8a5c-1d2e3f4a5b6c"
COMPOSITION = "c0ffee00-1234-4abc-8def-0123456789ab"
INSTANCE = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
ELEMENT = "e1e2e3e4-0001-4a00-8b00-00000000abcd"
SUPPORTED_TYPE = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"

MESSAGE_VECTORS = sorted(path.stem for path in VECTORS.glob("*.json"))


def vector_bytes(name: str) -> bytes:
    return (VECTORS / f"{name}.json").read_bytes().strip()


def vector_json(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(vector_bytes(name))
    return loaded


def shape_bytes(name: str, shape: str) -> bytes:
    return (VECTORS / "shapes" / f"{name}.{shape}.json").read_bytes().strip()
