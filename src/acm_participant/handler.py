"""The element handler seam: what a participant implements for its element types.

A handler is told *what* to do for one element (deploy, undeploy, ...) and does it; the SDK
runtime decides *when* (start phases, stages, revision gates), sends the acks the ACM runtime
expects and keeps the caches. A handler never sees a wire message: each operation gets one
:class:`~acm_participant.context.ElementContext` (ids, merged properties, stage, a logger bound
to the element, the reporter).

Contract of every operation method (``docs/sdk.md`` has the table of acked states):

* returning (``None`` or an :class:`ElementOutcome`) means success;
* raising :class:`ElementFailure` means a permanent failure: FAILED at once, one log line;
* raising :class:`RetryableFailure` asks the runtime to call the operation again after a
  backoff (``ParticipantSettings.retry_*``); when the attempts are spent it is FAILED with the
  last reason;
* any other exception is a bug: FAILED with its message, logged with its traceback;
* raising :class:`OperationNotSupported` (what the optional operations do by default) answers
  as ONAP's Java participant does: success "Not implemented", or FAILED "Not supported" with
  ``fail_unsupported_operation``;
* the call runs in its own task, cancelled when the operation is superseded, timed out by the
  ACM runtime, or the participant shuts down: clean up on ``CancelledError`` and re-raise it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import ClassVar

from pydantic import BaseModel

from acm_participant.context import (
    CompositionContext,
    ElementContext,
    ElementOutcome,
    ElementReporter,
)
from acm_participant.failures import OperationNotSupported

__all__ = ["ElementHandler"]


class ElementHandler(ABC):
    """Base class of element handlers: implement ``deploy`` and ``undeploy``, override the rest
    as your element type supports it.

    ``properties_model``: a pydantic model of the element's merged properties. When set, the
    runtime validates them before deploy, update, migrate, precheck and prepare, and acks a
    FAILED with the validation errors instead of calling the handler; read the parsed value
    with ``context.parsed(Model)``.
    """

    properties_model: ClassVar[type[BaseModel] | None] = None

    async def start(self, reporter: ElementReporter) -> None:
        """Called once before any operation: start background work (a watch, a poller) that
        reports through ``reporter`` outside of operations. Operations get it in their context."""
        return None

    async def stop(self) -> None:
        """Called once at shutdown, after in-flight operations ended or were cancelled."""
        return None

    def log_fields(self, element: ElementContext) -> Mapping[str, object]:
        """Extra fields bound to every log line of an operation on ``element`` (besides the
        participant, composition, instance and element ids the runtime binds), e.g. the names
        of the objects the element manages."""
        return {}

    # --- composition (definition) operations -----------------------------------------------

    async def prime(self, composition: CompositionContext) -> None:
        """Validate/prepare the definitions of a composition being primed."""
        raise OperationNotSupported("prime")

    async def deprime(self, composition: CompositionContext) -> None:
        """Forget a composition being deprimed."""
        return None

    # --- instance element operations ----------------------------------------------------------

    @abstractmethod
    async def deploy(self, element: ElementContext) -> ElementOutcome | None:
        """Create what the element describes (``element.properties``)."""

    @abstractmethod
    async def undeploy(self, element: ElementContext) -> ElementOutcome | None:
        """Remove what deploy created; also called for an element a migration removes."""

    async def lock(self, element: ElementContext) -> ElementOutcome | None:
        raise OperationNotSupported("lock")

    async def unlock(self, element: ElementContext) -> ElementOutcome | None:
        raise OperationNotSupported("unlock")

    async def delete(self, element: ElementContext) -> ElementOutcome | None:
        raise OperationNotSupported("delete")

    async def update(self, element: ElementContext) -> ElementOutcome | None:
        """Apply new instance properties: ``element.updated`` (``element.instance`` holds the
        previous ones; ``element.properties`` is the new merge)."""
        raise OperationNotSupported("update")

    async def migrate(self, element: ElementContext) -> ElementOutcome | None:
        """Move an element to ``element.target`` (one call per ``element.stage`` it takes part
        in); ``element.updated`` holds the migrated instance properties."""
        raise OperationNotSupported("migrate")

    async def migrate_precheck(self, element: ElementContext) -> ElementOutcome | None:
        """Check, without changing anything, that a migration would work."""
        return None

    async def rollback(self, element: ElementContext) -> ElementOutcome | None:
        """Undo a failed migration (one call per stage, highest first); ``element.composition``
        is the abandoned composition, ``element.target`` the one the element returns to."""
        raise OperationNotSupported("rollback")

    async def prepare(self, element: ElementContext) -> ElementOutcome | None:
        """Prepare an undeployed element before its deploy, at ``element.stage``."""
        return None

    async def review(self, element: ElementContext) -> ElementOutcome | None:
        """Review a deployed element."""
        return None

    async def restore(self, element: ElementContext) -> None:
        """Re-attach to an element the ACM runtime handed back after a participant restart
        (its last known states are ``element.deploy_state`` / ``element.lock_state``)."""
        return None

    async def forget(self, element: ElementContext) -> None:
        """Release what you keep in memory for an element this replica no longer looks after.

        Called when a PARTICIPANT_SYNC_MSG says that an element this replica knew deployed (or
        in transition) is now UNDEPLOYED or gone, and no operation on it runs here: another
        replica undeployed or deleted it, ACM-R deleted its instance, or the element no longer
        belongs to this participant. ``element.deploy_state`` is UNDEPLOYED or DELETED (also
        for an element the SYNC dropped). Whoever removed it
        dealt with what it managed: drop caches, watches and live-status tracking, and leave
        the managed resources alone. It runs under the element's serialisation (never beside
        another of its operations), must be cheap and idempotent (it may come for an element
        this replica never saw), and its exceptions are logged and otherwise ignored.
        """
        return None
