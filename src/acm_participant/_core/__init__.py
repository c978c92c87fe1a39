"""The participant runtime's insides (not public API): one folder per part.

* ``adapters``: wire messages in (``wire`` reads them into ``orders``, ``filter`` says whether
  they are for this replica) and out (``outbox`` builds every message sent, ``reporter`` is the
  handler's way out);
* ``engine``: the consume-side machinery: ``dispatch`` routes an order, ``gates`` park it until
  the revisions match, ``tasks`` runs one task per element, ``jobs`` calls the handler and turns
  its result into an ack, ``calls`` builds the handler's context, ``retry`` retries, ``liveness``
  registers and heartbeats;
* ``state``: what the participant remembers: ``cache`` (compositions, instances, elements) and
  ``store``, the one owner of element state transitions, with the tables they follow
  (``outcomes``, ``phases``, ``merge``);
* ``operations``: what each order means (deploy, state change, update, migration, prepare,
  prime, sync), asking the store and spawning jobs.
"""
