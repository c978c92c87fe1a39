"""The ACM runtime's side of the protocol, as a black-box peer of participants.

:class:`AcmRuntimeDriver` drives participants over any transport for tests and the simulator;
:class:`RuntimeModel` is its view of compositions and instances. Nothing here imports the
participant runtime.
"""

from acm_participant.sim.driver import AckTimeout, AcmRuntimeDriver, MessageTimeout
from acm_participant.sim.model import ElementSpec, RuntimeModel

__all__ = ["AckTimeout", "AcmRuntimeDriver", "ElementSpec", "MessageTimeout", "RuntimeModel"]
