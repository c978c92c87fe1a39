"""The public surface of ``acm_participant.protocol`` is exactly its ``__all__``."""

from __future__ import annotations

import types

import acm_participant.protocol as protocol


def test_all_lists_every_public_name_of_the_protocol_package():
    public = {
        name
        for name, value in vars(protocol).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }

    assert set(protocol.__all__) == public
    assert len(protocol.__all__) == len(set(protocol.__all__))


def test_all_names_the_agreed_entry_points():
    assert {"decode", "encode", "DecodeError", "AnyMessage"} <= set(protocol.__all__)
    assert {"ParticipantMessage", "ParticipantAckMessage", "ToscaConceptIdentifier"} <= set(
        protocol.__all__
    )
