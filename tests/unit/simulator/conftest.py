"""Paths to ONAP's published KServe sample (read-only) and to the corrected examples of the repo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ONAP_SAMPLES = Path("/work/shared/samples/onap")
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "onap-kserve"


@pytest.fixture
def published_tosca() -> Path:
    return ONAP_SAMPLES / "tosca-kserve-participant.yml"


@pytest.fixture
def published_instance() -> Path:
    return ONAP_SAMPLES / "automation-composition-kserve.yml"


@pytest.fixture
def example_tosca() -> Path:
    return EXAMPLES / "tosca-kserve-participant.yml"


@pytest.fixture
def example_instance() -> Path:
    return EXAMPLES / "automation-composition-kserve.yml"


BrokenCopy = Callable[[Path, str, str], Path]


@pytest.fixture
def broken_copy(tmp_path: Path) -> BrokenCopy:
    """Copies ``source`` with exactly one occurrence of ``old`` replaced by ``new``."""

    def make(source: Path, old: str, new: str) -> Path:
        text = source.read_text()
        assert text.count(old) == 1, f"{old!r} must occur once in {source}"
        target = tmp_path / source.name
        target.write_text(text.replace(old, new))
        return target

    return make
