"""How an operation says it failed, and whether trying again could help.

* :class:`ElementFailure`: permanent. Acked FAILED at once with its message; one log line.
* :class:`RetryableFailure`: worth another try (a dependency briefly away). The runtime calls the
  operation again after a backoff (``ParticipantSettings.retry_attempts``, ``retry_initial_ms``,
  ``retry_max_ms``) and acks FAILED with the last reason only when the attempts are spent.
* :class:`InvalidProperties`: the element's properties do not fit the handler's model; permanent.
* :class:`OperationNotSupported`: what the optional operations raise by default.

Any other exception is treated as a bug in the handler: FAILED with its message, and logged with
its traceback.
"""

from __future__ import annotations

from pydantic import ValidationError

__all__ = ["ElementFailure", "InvalidProperties", "OperationNotSupported", "RetryableFailure"]


class ElementFailure(Exception):
    """A permanent failure: the operation is acked FAILED with this reason, not retried."""


class RetryableFailure(ElementFailure):
    """A failure worth retrying: the operation is called again after a backoff, and acked FAILED
    with this reason only when the attempts are spent."""


class InvalidProperties(ElementFailure):
    """The element's properties do not fit the handler's ``properties_model``."""

    @classmethod
    def from_error(cls, error: ValidationError) -> InvalidProperties:
        problems = [
            f"{'.'.join(str(p) for p in item['loc']) or '(root)'}: {item['msg']}"
            for item in error.errors(include_url=False)
        ]
        return cls("invalid element properties: " + "; ".join(problems))


class OperationNotSupported(Exception):
    """Raised by the default implementation of an operation the handler does not implement."""
