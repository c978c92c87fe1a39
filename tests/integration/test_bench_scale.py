"""bench/scale runs end to end at a tiny size and prints its figures in the agreed shape.

Only the shape is checked (wall-clock figures are the bench's business, never a test's); the
request count is exact, as the API server's audit log recorded it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from bench.scale import run

pytestmark = pytest.mark.integration


async def test_scale_bench_prints_times_requests_memory_and_the_ratio_line(
    stack: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    await run(stack, instances=2, per_instance=2)

    out = capsys.readouterr().out.splitlines()
    last = r"ratio participant/baseline: deploy \d+\.\d\d, undeploy \d+\.\d\d"
    assert re.fullmatch(last, out[-1])
    assert any(re.match(r"baseline \(direct API\) +\d+\.\d\ds +\d+\.\d\ds", line) for line in out)
    rss = r"participant RSS: fresh \d+\.\d MiB, after a warm-up instance \(before\) \d+\.\d, peak"
    assert any(re.search(rss, line) for line in out)
    # one create-only apply and one delete per InferenceService (2 x 2, and the warm-up
    # instance's 2), nothing else per object
    requests = next(line for line in out if "inferenceservices in" in line)
    assert re.search(r"\bdelete 6\b", requests)
    assert re.search(r"\bpatch 6\b", requests)
    assert "get " not in requests
    assert any("per InferenceService (all but list/watch): 2.00" in line for line in out)
    assert any(line.strip() == "cached objects: 0 / 0 / 4 / 0" for line in out)
