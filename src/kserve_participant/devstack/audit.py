"""The API server's audit log of the participant's user: what it asked, counted where it lands.

The dev stack's kube-apiserver writes one JSON line per request stage for user ``participant``
(the static-token user the stack creates for the participant) at ``Metadata`` level, and nothing
for anyone else (the admin, the stand-in or KServe's controller). Counting requests here, rather
than in the participant's own metrics, also counts what its libraries do behind its back
(retries, watch resumptions, discovery).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AUDITED_USER",
    "AuditedRequest",
    "audited_requests",
    "count_by_verb",
    "write_audit_policy",
]

AUDITED_USER = "participant"

# RequestReceived is left out: every request still gets a line at ResponseStarted (watches) or
# ResponseComplete (everything), and one stage fewer halves the log.
_POLICY = f"""apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: ["{AUDITED_USER}"]
  - level: None
"""


@dataclass(frozen=True, slots=True)
class AuditedRequest:
    verb: str  # the API server's verb: get, list, watch, create, patch, update, delete
    resource: str  # e.g. "inferenceservices"; "" for non-resource URLs (discovery)
    namespace: str
    code: int  # 0 while a watch is still streaming


def write_audit_policy(path: Path) -> Path:
    path.write_text(_POLICY)
    return path


def audited_requests(log: Path, *, user: str = AUDITED_USER) -> list[AuditedRequest]:
    """One entry per request ``user`` made (stages of one request share an auditID)."""
    seen: dict[str, AuditedRequest] = {}
    if not log.exists():
        return []
    with log.open() as lines:
        for line in lines:
            event = json.loads(line)
            if (event.get("user") or {}).get("username") != user:
                continue
            ref = event.get("objectRef") or {}
            code = (event.get("responseStatus") or {}).get("code", 0)
            previous = seen.get(event["auditID"])
            seen[event["auditID"]] = AuditedRequest(
                verb=event.get("verb", ""),
                resource=ref.get("resource", ""),
                namespace=ref.get("namespace", ""),
                code=code or (previous.code if previous else 0),
            )
    return list(seen.values())


def count_by_verb(requests: list[AuditedRequest], resource: str) -> Counter[str]:
    return Counter(r.verb for r in requests if r.resource == resource)
