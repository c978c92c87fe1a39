"""Kubernetes API failures as our own exception tree, keeping what the user must see.

Tree::

    K8sError                 status_code, reason, message (the API server's words)
    +-- BadRequest           400
    +-- Unauthorized         401 (retriable after a credential reload)
    +-- Forbidden            403 (RBAC, terminating namespace, admission webhook denial)
    |   +-- AdmissionDenied  an admission webhook (KServe's validator) refused the object
    +-- NotFound             404
    +-- Conflict             409 (AlreadyExists, stale resourceVersion, apply conflict)
    +-- Gone                 410 (watch resourceVersion too old)
    +-- Invalid              422 (schema violation, invalid name)
    |   +-- UnknownFields    fields the schema does not declare (strict decoding's 400, or
    |                        server-side apply's 500 "field not declared in schema")
    +-- ServerUnavailable    429, 5xx, or no answer at all (retriable)
    |   +-- Stalled          a watch stream silent past its server timeout: the connection is dead
    +-- DeadlineReached      no answer before the operation's deadline (0; not retried)

Messages never carry request headers or credentials: only the API server's Status message.
"""

from __future__ import annotations

import re

__all__ = [
    "AdmissionDenied",
    "BadRequest",
    "Conflict",
    "DeadlineReached",
    "Forbidden",
    "Gone",
    "Invalid",
    "K8sError",
    "NotFound",
    "ServerUnavailable",
    "Stalled",
    "Unauthorized",
    "UnknownFields",
    "error_for_status",
]

_MAX_MESSAGE = 600


class K8sError(Exception):
    """A refused or failed Kubernetes API request."""

    retriable = False

    def __init__(self, status_code: int, reason: str, message: str) -> None:
        self.status_code = status_code
        self.reason = reason
        self.message = message[:_MAX_MESSAGE]
        prefix = f"{status_code} {reason}" if reason else str(status_code)
        super().__init__(f"{prefix}: {self.message}")


class BadRequest(K8sError):
    pass


class Unauthorized(K8sError):
    retriable = True


class Forbidden(K8sError):
    pass


class NotFound(K8sError):
    pass


class Conflict(K8sError):
    pass


class Gone(K8sError):
    pass


class Invalid(K8sError):
    pass


class ServerUnavailable(K8sError):
    retriable = True


class DeadlineReached(K8sError):
    """The operation's deadline came before the API server answered (or before a request could
    start): not retried, the operation has no time left."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "Timeout", message)


class Stalled(ServerUnavailable):
    """A watch stream sent nothing for longer than the API server's own timeout for it would
    allow: the connection is dead without having been closed (a frozen or vanished server, a
    dropped NAT entry). Re-watching from the last version seen loses nothing."""


class UnknownFields(Invalid):
    """The body holds fields the schema does not declare: a typo in what the user wrote."""

    def __init__(self, status_code: int, reason: str, message: str, fields: list[str]) -> None:
        super().__init__(status_code, reason, message)
        self.fields = tuple(dict.fromkeys(fields))

    def __str__(self) -> str:
        return ", ".join(f'unknown field "{field}"' for field in self.fields)


class AdmissionDenied(Forbidden):
    """An admission webhook refused the object: its verdict on what the user wrote."""

    def __init__(self, status_code: int, reason: str, message: str, webhook: str, verdict: str):
        super().__init__(status_code, reason, message)
        self.webhook = webhook
        self.verdict = verdict

    def __str__(self) -> str:
        return f"admission webhook {self.webhook} refused it: {self.verdict}"


_DENIED = re.compile(r'admission webhook "([^"]+)" denied the request:\s*(.*)', re.DOTALL)
_UNTYPABLE_PATCH = "failed to create typed patch object"
_NOT_DECLARED = re.compile(r"(?:^|[\s:,])\.([^\s:]+): field not declared in schema")
_STRICT_UNKNOWN = re.compile(r'unknown field "([^"]+)"')


def _unknown_fields(status_code: int, message: str) -> list[str]:
    if status_code == 500 and message.startswith(_UNTYPABLE_PATCH):
        return _NOT_DECLARED.findall(message)
    if status_code == 400 and "strict decoding error" in message:
        return _STRICT_UNKNOWN.findall(message)
    return []


_WEBHOOK_DENIAL = "admission webhook "  # "admission webhook "<name>" denied the request: ..."

_BY_STATUS: dict[int, type[K8sError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    422: Invalid,
}


def error_for_status(status_code: int, reason: str, message: str) -> K8sError:
    """The K8sError subclass for an HTTP status (5xx, 429 and unknown codes: ServerUnavailable)."""
    fields = _unknown_fields(status_code, message)
    if fields:
        return UnknownFields(status_code, reason, message, fields)
    denied = _DENIED.search(message) if status_code in (400, 403, 422) else None
    if denied:
        return AdmissionDenied(status_code, reason, message, denied.group(1), denied.group(2))
    cls = _BY_STATUS.get(status_code, ServerUnavailable)
    if status_code == 500 and message.startswith((_UNTYPABLE_PATCH, _WEBHOOK_DENIAL)):
        # Server-side apply reports a body that does not fit the schema as a 500, and so does a
        # webhook that fails on the body (KServe's defaulter panics on a spec without a
        # predictor): permanent, the same body would be refused again.
        cls = Invalid
    return cls(status_code, reason, message)
