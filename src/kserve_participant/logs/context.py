"""Ids bound to the current task (participant, composition, instance, element, InferenceService).

The SDK's log context (``acm_participant.logcontext``): the runtime binds the element's ids around
every operation, the KServe handler adds ``isvc``, and this package's handler filter copies them
onto every record. One contextvar for both, so a binding made anywhere shows everywhere.
"""

from __future__ import annotations

from acm_participant.logcontext import (
    LogContextFilter as ContextFilter,
)
from acm_participant.logcontext import (
    bind_log_fields as bind,
)
from acm_participant.logcontext import (
    bind_log_fields_globally as bind_globally,
)
from acm_participant.logcontext import (
    bound_log_fields as bound_fields,
)

__all__ = ["CONTEXT_FIELDS", "ContextFilter", "bind", "bind_globally", "bound_fields"]

CONTEXT_FIELDS = ("participant", "composition", "instance", "element", "isvc")
