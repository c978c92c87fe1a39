"""How the SDK moves message bytes: the Transport seam and its Kafka, DMaaP and in-memory kinds.

Only the seam is re-exported here; import a concrete transport from its module
(``transport.kafka``, ``transport.dmaap``, ``transport.memory``) so that a process loads only
the client library it uses.
"""

from acm_participant.transport.base import Record, Subscription, Transport

__all__ = ["Record", "Subscription", "Transport"]
