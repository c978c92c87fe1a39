"""The SDK's public surface is a contract: ``__all__`` lists exactly what users import."""

from __future__ import annotations

import acm_participant


def test_public_names_are_exported_and_importable():
    exported = set(acm_participant.__all__)
    assert len(exported) == len(acm_participant.__all__)
    for name in exported:
        assert getattr(acm_participant, name) is not None
    public_attributes = {
        name
        for name, value in vars(acm_participant).items()
        if not name.startswith("_") and not isinstance(value, type(acm_participant))
    }
    assert public_attributes == exported
