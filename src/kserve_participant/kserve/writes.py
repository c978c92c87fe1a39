"""Creating, adopting, updating and deleting one element's InferenceServices.

Why: the get/adopt/apply path and the API-refusal messages are the same for deploy,
update, migrate and rollback; the handler only sequences them. Every API refusal becomes an
:class:`EntityRefused` naming the entity and quoting the API server's message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from acm_participant import ElementFailure
from kserve_participant.k8s.client import Applied, K8sClient, Obj
from kserve_participant.k8s.errors import (
    AdmissionDenied,
    Conflict,
    DeadlineReached,
    Invalid,
    K8sError,
    NotFound,
    UnknownFields,
)
from kserve_participant.k8s.watch import InferenceServiceWatch
from kserve_participant.kserve.entities import InferenceEntity
from kserve_participant.kserve.ownership import (
    Owner,
    is_owned_by,
    stamp,
)
from kserve_participant.kserve.readiness import WriteMark, assess

__all__ = [
    "EntityRefused",
    "Written",
    "delete_objects",
    "dry_run_all",
    "ensure_all",
    "find_owned",
    "key_of",
    "raise_collected",
    "write_warnings",
]


class EntityRefused(ElementFailure):
    """The API server (or the ownership rule) refused an entity."""


@dataclass(frozen=True, slots=True)
class Written:
    """An entity as the API server returned it after our write (or adoption)."""

    entity: InferenceEntity
    obj: Obj
    mark: WriteMark | None  # None: adopted unchanged, its current status counts
    action: str  # "created", "updated", "adopted"
    warnings: tuple[str, ...] = ()  # the API server's, about our write

    @property
    def uid(self) -> str:
        return str(self.obj.get("metadata", {}).get("uid", ""))


def key_of(obj: Mapping[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata", {})
    return (str(meta.get("namespace", "")), str(meta.get("name", "")))


def _where(entity: InferenceEntity) -> str:
    return f'entity "{entity.entity_id}" ({entity.namespace}/{entity.name})'


def _refused(entity: InferenceEntity, exc: K8sError) -> EntityRefused:
    if isinstance(exc, UnknownFields):
        return EntityRefused(
            f"{_where(entity)}: {exc} in the payload: KServe's InferenceService schema does "
            "not declare it (a typo?)"
        )
    if isinstance(exc, AdmissionDenied):
        return EntityRefused(f"{_where(entity)}: {exc}")
    if isinstance(exc, DeadlineReached):
        return EntityRefused(f"{_where(entity)}: not written: {exc.message}")
    return EntityRefused(f"{_where(entity)}: refused: {exc}")


def _mark(obj: Obj, existing: Obj | None = None) -> WriteMark:
    meta = obj.get("metadata", {})
    generation = meta.get("generation")
    version = meta.get("resourceVersion")
    return WriteMark(
        generation if isinstance(generation, int) else 1,
        version if isinstance(version, str) else None,
        pods_failing_before=existing is not None and assess(existing).from_pods,
    )


# A resourceVersion no stored InferenceService has (etcd's revision 1 is written long before any
# custom resource exists). As a precondition of a server-side apply it makes the apply
# create-only: the API server ignores it when it creates the object and answers 409 Conflict when
# an object of that name exists, which is then left untouched.
CREATE_ONLY = {"resourceVersion": "1"}


def _with_precondition(body: Obj, precondition: Mapping[str, str]) -> Obj:
    return {**body, "metadata": {**body["metadata"], **precondition}}


def _judge(entity: InferenceEntity, owner: Owner, existing: Obj) -> None:
    """Refuse a foreign object; ours is applied again."""
    if not is_owned_by(existing, owner):
        raise EntityRefused(
            f"{_where(entity)}: an InferenceService of that name already exists and is "
            "not managed by this element; delete or rename it"
        )


def _written(entity: InferenceEntity, applied: Applied, existing: Obj | None) -> Written:
    """Created, updated, or adopted: an apply that changed nothing was not stored (the same
    generation), and the object counts as it is, with its current status."""
    obj = applied.obj
    if existing is None:
        return Written(entity, obj, _mark(obj), "created", applied.warnings)
    if _generation(obj) == _generation(existing):
        return Written(entity, obj, None, "adopted", applied.warnings)
    return Written(entity, obj, _mark(obj, existing), "updated", applied.warnings)


def _generation(obj: Obj) -> object:
    return obj.get("metadata", {}).get("generation")


async def _ensure(
    client: K8sClient, known: Mapping[tuple[str, str], Obj], entity: InferenceEntity, owner: Owner
) -> Written:
    # Every write is a server-side apply with one field manager, so a field dropped from the
    # payload later is removed from the object (fields written by a POST would stay). Ownership
    # is judged on what the shared watch knows (``known``: our objects), without a GET; a name
    # it does not know is applied create-only, so an object someone else owns stays untouched.
    body = stamp(entity.body, owner, entity.entity_id)
    try:
        existing = known.get(entity.key)
        if existing is not None:
            _judge(entity, owner, existing)
            uid = str(existing.get("metadata", {}).get("uid", ""))
            try:  # only if it is still that object (409 gone, 422 replaced)
                applied = await client.apply_warned(_with_precondition(body, {"uid": uid}))
            except (Conflict, Invalid):
                return await _ensure_after_get(client, entity, owner, body)
            return _written(entity, applied, existing)
        try:
            applied = await client.apply_warned(_with_precondition(body, CREATE_ONLY))
        except Conflict:
            return await _ensure_after_get(client, entity, owner, body)
        return _written(entity, applied, None)
    except K8sError as exc:
        raise _refused(entity, exc) from exc


async def _ensure_after_get(
    client: K8sClient, entity: InferenceEntity, owner: Owner, body: Obj
) -> Written:
    """The watch did not know the object: read it, then judge and write as above."""
    try:
        existing: Obj | None = await client.get(entity.namespace, entity.name)
    except NotFound:
        existing = None
    if existing is not None:
        _judge(entity, owner, existing)
    return _written(entity, await client.apply_warned(body), existing)


async def dry_run_all(
    client: K8sClient, entities: Iterable[InferenceEntity], owner: Owner
) -> list[str]:
    """Server-side dry run (``dryRun=All``) of each write: checked by the API server, not kept.

    Returns the API server's warnings, each prefixed with its entity."""

    async def one(entity: InferenceEntity) -> list[str]:
        try:
            body = stamp(entity.body, owner, entity.entity_id)
            applied = await client.apply_warned(body, dry_run=True)
        except K8sError as exc:
            raise _refused(entity, exc) from exc
        return [f"{_where(entity)}: {warning}" for warning in applied.warnings]

    results = await asyncio.gather(*(one(e) for e in entities), return_exceptions=True)
    raise_collected(results)
    return [warning for result in results if isinstance(result, list) for warning in result]


def write_warnings(written: Iterable[Written]) -> list[str]:
    """The API server's warnings about the writes, each prefixed with its entity."""
    return [f"{_where(w.entity)}: {warning}" for w in written for warning in w.warnings]


def raise_collected(results: Iterable[object]) -> None:
    """Raise one ElementFailure naming every failed entity (cancellation wins)."""
    failures: list[str] = []
    for result in results:
        if isinstance(result, asyncio.CancelledError):
            raise result
        if isinstance(result, ElementFailure):
            failures.append(str(result))
        elif isinstance(result, BaseException):
            raise result
    if failures:
        raise ElementFailure("; ".join(failures))


async def ensure_all(
    client: K8sClient,
    known: Mapping[tuple[str, str], Obj],
    entities: Iterable[InferenceEntity],
    owner: Owner,
    remember: Callable[[Obj], None],
) -> list[Written]:
    """Create (or adopt, or update) every entity in parallel; fail naming every refusal.

    ``known``: the objects of these names the shared watch knows (see :func:`_ensure`);
    ``remember`` is told every object written, also when another entity was refused.
    """
    results = await asyncio.gather(
        *(_ensure(client, known, entity, owner) for entity in entities), return_exceptions=True
    )
    for result in results:
        if isinstance(result, Written):
            remember(result.obj)
    raise_collected(results)
    return [r for r in results if isinstance(r, Written)]


async def find_owned(
    client: K8sClient, watch: InferenceServiceWatch, namespaces: Iterable[str | None], owner: Owner
) -> dict[tuple[str, str], Obj]:
    """Every InferenceService labelled for this element in these namespaces (None: all).

    A namespace comes from the shared watch's cache (its stream is started if needed: one list
    and one watch per namespace, whatever the number of elements); None is listed. Waiting for a
    stream's first list ends by the deadline of a :meth:`K8sClient.bounded` ``client``.
    """
    found: dict[tuple[str, str], Obj] = {}
    for namespace in sorted(set(namespaces), key=lambda n: n or ""):
        try:
            if namespace is None:
                items = (await client.list(None, labels=owner.selector())).items
            else:
                async with asyncio.timeout_at(client.deadline):
                    await watch.ensure_watching(namespace)
                items = watch.existing(namespace)
        except NotFound:
            continue  # the namespace does not exist (any more): nothing of ours there
        except TimeoutError:
            raise ElementFailure(
                f"cannot list InferenceServices in {namespace}: no answer before the element's "
                "deadline"
            ) from None
        except K8sError as exc:
            raise ElementFailure(f"cannot list InferenceServices in {namespace}: {exc}") from exc
        found.update({key_of(obj): obj for obj in items if is_owned_by(obj, owner)})
    return found


async def delete_objects(client: K8sClient, keys: Iterable[tuple[str, str]]) -> None:
    """Delete in parallel, in the foreground (gone means its pods too); 404 counts as deleted."""

    async def delete_one(namespace: str, name: str) -> None:
        try:
            await client.delete(namespace, name)
        except NotFound:
            return
        except K8sError as exc:
            raise ElementFailure(f"cannot delete {namespace}/{name}: {exc}") from exc

    results = await asyncio.gather(*(delete_one(*key) for key in keys), return_exceptions=True)
    raise_collected(results)
