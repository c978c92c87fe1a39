"""Thin async adapter over lightkube for InferenceService objects, as plain dicts.

Why: the handler must not know lightkube's types or error classes. This module turns every
request into a dict in, dict out call, maps API refusals to :mod:`k8s.errors` keeping the
API server's own message, retries what is worth retrying (429, 5xx, no answer) a few times,
and tells an optional ``on_request(verb, status_code)`` callback about each request (metrics).
A :meth:`K8sClient.bounded` view ends every request and retry by an operation's deadline; every
request's outcome tells :class:`Reachability` whether the API server answers (the reason an
operation failed during an outage). It never decides anything about KServe.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx2
from lightkube import AsyncClient, KubeConfig, operators
from lightkube.core.exceptions import ApiError
from lightkube.types import CascadeType, on_error_raise
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    wait_exponential,
)

from kserve_participant.k8s.errors import (
    DeadlineReached,
    K8sError,
    ServerUnavailable,
    Stalled,
    error_for_status,
)
from kserve_participant.k8s.reachability import Outage, Reachability, is_unanswered
from kserve_participant.k8s.resources import InferenceServiceResource, lightkube_resource

__all__ = [
    "FIELD_MANAGER",
    "MAX_IN_FLIGHT",
    "Applied",
    "K8sClient",
    "LabelSelector",
    "ListResult",
    "Obj",
    "OnRequest",
]

log = logging.getLogger(__name__)

FIELD_MANAGER = "kserve-participant"

Obj = dict[str, Any]
OnRequest = Callable[[str, int], None]
# A label selector: value None means "the label exists".
LabelSelector = Mapping[str, str | None]
T = TypeVar("T")

# 429, 5xx and connection failures: 4 attempts, 0.1 s then x3 between them (about 1.4 s in all).
_ATTEMPTS = 4
_FIRST_DELAY_S = 0.1
_WRITES = frozenset({"POST", "PUT", "PATCH"})
# The API server's warnings (HTTP ``Warning: 299 - "text"``) of the requests made in this context.
_warnings: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "k8s_warnings", default=None
)
_WARNING = re.compile(r'^\s*\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"')


def _warning_text(header: str) -> str:
    match = _WARNING.match(header)
    return re.sub(r"\\(.)", r"\1", match.group(1)) if match else header.strip()


async def _ask_strict_field_validation(request: httpx2.Request) -> None:
    # An unknown or duplicated field in what we write is refused by the API server (400), never
    # dropped in silence nor left to server-side apply's typed-patch error (500).
    if request.method in _WRITES and "fieldValidation" not in request.url.params:
        request.url = request.url.copy_add_param("fieldValidation", "Strict")


# A watch ends after its ``timeoutSeconds`` (the API server closes it, lightkube re-requests from
# the last version). A stream silent for longer than that plus this margin is dead, whatever the
# bookmark frequency (docs/kserve.md, "Watch streams").
WATCH_READ_MARGIN_S = 10.0


async def _bound_watch(request: httpx2.Request) -> None:
    # lightkube's watch requests have no read timeout and no bookmarks: ask for bookmarks (their
    # resourceVersion keeps a resume from going stale) and give up on a stream silent past its
    # server timeout.
    params = request.url.params
    if params.get("watch") != "true":
        return
    if "allowWatchBookmarks" not in params:
        request.url = request.url.copy_add_param("allowWatchBookmarks", "true")
    server_timeout = params.get("timeoutSeconds")
    if server_timeout and server_timeout.isdigit():
        timeouts = dict(request.extensions.get("timeout") or {})
        timeouts["read"] = int(server_timeout) + WATCH_READ_MARGIN_S
        request.extensions["timeout"] = timeouts


async def _keep_warnings(response: httpx2.Response) -> None:
    sink = _warnings.get()
    if sink is not None:
        sink.extend(_warning_text(value) for value in response.headers.get_list("warning"))


@dataclass(frozen=True, slots=True)
class Applied:
    """An object as the API server stored it, and the warnings it gave about our write."""

    obj: Obj
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ListResult:
    items: list[Obj]
    resource_version: str


def _to_k8s_error(exc: Exception) -> K8sError:
    if isinstance(exc, ApiError):
        status = exc.status
        return error_for_status(status.code or 0, status.reason or "", status.message or "")
    if isinstance(exc, httpx2.HTTPStatusError):
        code = exc.response.status_code
        return error_for_status(code, exc.response.reason_phrase, exc.response.text[:300])
    return ServerUnavailable(0, "Unreachable", f"{type(exc).__name__}: {exc}")


def _unanswered(error: K8sError) -> bool:
    # A 500 that judges our body (a field the schema lacks, a webhook failing on it) is an answer.
    return isinstance(error, ServerUnavailable) and is_unanswered(error.status_code)


def _described(error: K8sError) -> str:
    # No answer: the HTTP client's error ("ConnectError: ..."); else the API server's status.
    return error.message if error.status_code == 0 else str(error)


def _selector(labels: LabelSelector) -> dict[str, Any]:
    return {k: operators.exists() if v is None else v for k, v in labels.items()}


def _plain(obj: Mapping[str, Any]) -> Obj:
    # lightkube's generic objects are dicts decoded from JSON; hand out a plain copy.
    return dict(obj)


def _require_name(name: str) -> None:
    # An empty name turns DELETE .../inferenceservices/ into a delete of the whole collection.
    if not name:
        raise ValueError("an InferenceService name must not be empty")


# Requests in flight at once (watches excepted). Hundreds of concurrent writes otherwise open
# up to the HTTP client's 100 connections, each with its TLS buffers, for an API server that
# serves them no faster; and the request timeout would run while a request waits for one.
MAX_IN_FLIGHT = 20


class K8sClient:
    """CRUD, list and watch of InferenceServices through one lightkube AsyncClient."""

    def __init__(
        self,
        api: AsyncClient,
        resource: InferenceServiceResource,
        *,
        field_manager: str = FIELD_MANAGER,
        on_request: OnRequest | None = None,
        reachability: Reachability | None = None,
    ) -> None:
        self._api = api
        self._resource = resource
        self._cls = lightkube_resource(resource)
        self._field_manager = field_manager
        self._on_request = on_request
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._reachability = reachability or Reachability()
        self._deadline: float | None = None
        # lightkube has no per-request query parameters nor response headers: hooks on its
        # httpx client add fieldValidation=Strict to every write and collect the warnings.
        hooks = api._client._client.event_hooks
        hooks["request"] = [*hooks.get("request", []), _ask_strict_field_validation, _bound_watch]
        hooks["response"] = [*hooks.get("response", []), _keep_warnings]

    @classmethod
    def from_kubeconfig(
        cls,
        kubeconfig: Path | None,
        resource: InferenceServiceResource,
        *,
        context: str | None = None,
        field_manager: str = FIELD_MANAGER,
        on_request: OnRequest | None = None,
    ) -> K8sClient:
        """From a kubeconfig file, or (None) in-cluster service account / $KUBECONFIG / ~/.kube."""
        config = KubeConfig.from_file(kubeconfig) if kubeconfig else KubeConfig.from_env()
        api = AsyncClient(config.get(context), timeout=httpx2.Timeout(30.0))
        return cls(api, resource, field_manager=field_manager, on_request=on_request)

    @property
    def resource(self) -> InferenceServiceResource:
        return self._resource

    def for_resource(self, resource: InferenceServiceResource) -> K8sClient:
        """A client of another resource over the same connection (closed with this one)."""
        return K8sClient(
            self._api,
            resource,
            field_manager=self._field_manager,
            on_request=self._on_request,
            reachability=self._reachability,
        )

    def bounded(self, deadline: float) -> K8sClient:
        """This client for one operation: every request and retry ends by ``deadline``
        (event-loop time). A request's timeout is the smaller of its own and what is left, and
        no retry starts that could not start before the deadline."""
        view = copy.copy(self)
        view._deadline = deadline if self._deadline is None else min(deadline, self._deadline)
        return view

    @property
    def deadline(self) -> float | None:
        """The operation's deadline of a :meth:`bounded` view (event-loop time), else None."""
        return self._deadline

    def outage(self) -> Outage | None:
        """The API-server outage going on now, as this client's requests met it, if any."""
        return self._reachability.outage()

    def answered_within(self, seconds: float) -> bool:
        """Whether the API server answered this client (or its siblings) in the last ``seconds``."""
        return self._reachability.answered_within(seconds)

    async def close(self) -> None:
        await self._api.close()

    def _count(self, verb: str, code: int) -> None:
        if self._on_request is not None:
            self._on_request(verb, code)

    async def _attempt(self, verb: str, request: Callable[[], Awaitable[T]]) -> T:
        token: int | None = None
        timeout = asyncio.timeout_at(self._deadline)
        try:
            async with timeout, self._in_flight:
                token = self._reachability.sent()
                result = await request()
        except (ApiError, httpx2.HTTPError) as exc:
            error = _to_k8s_error(exc)
            self._count(verb, error.status_code)
            if _unanswered(error):
                self._reachability.failed(token, _described(error))
            else:
                self._reachability.answered(token)
            raise error from exc
        except TimeoutError:
            if not timeout.expired():
                raise
            self._count(verb, 0)
            self._reachability.abandoned(token)
            raise DeadlineReached("no answer before the element's deadline") from None
        except BaseException:  # cancelled: no verdict on the API server unless it waited long
            self._reachability.abandoned(token)
            raise
        self._reachability.answered(token)
        self._count(verb, 200)
        return result

    def _no_time_for(self, delay: float) -> bool:
        deadline = self._deadline
        return deadline is not None and asyncio.get_running_loop().time() + delay >= deadline

    async def _call(self, verb: str, request: Callable[[], Awaitable[T]]) -> T:
        def retried(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            status = error.status_code if isinstance(error, K8sError) else "?"
            log.warning("k8s request retried verb=%s status=%s", verb, status)

        wait = wait_exponential(multiplier=_FIRST_DELAY_S, exp_base=3)

        def give_up(state: RetryCallState) -> bool:
            # The last attempt, or the next one could not start before the deadline.
            return state.attempt_number >= _ATTEMPTS or self._no_time_for(wait(state))

        if self._no_time_for(0):
            raise DeadlineReached("no time left before the element's deadline")
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda exc: isinstance(exc, K8sError) and exc.retriable),
            stop=give_up,
            wait=wait,
            before_sleep=retried,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._attempt(verb, request)
        raise AssertionError("unreachable: tenacity re-raises the last failure")

    async def get(self, namespace: str, name: str) -> Obj:
        _require_name(name)
        got = await self._call("get", lambda: self._api.get(self._cls, name, namespace=namespace))
        return _plain(got)

    async def apply(self, body: Obj, *, dry_run: bool = False) -> Obj:
        """Server-side apply with our field manager and force (we own what we send)."""
        return (await self.apply_warned(body, dry_run=dry_run)).obj

    async def apply_warned(self, body: Obj, *, dry_run: bool = False) -> Applied:
        """:meth:`apply`, also returning the API server's warnings about the write."""
        name = body["metadata"]["name"]
        _require_name(name)
        obj = self._cls(**body)
        sink: list[str] = []
        token = _warnings.set(sink)
        try:
            applied = await self._call(
                "apply",
                lambda: self._api.apply(
                    obj,
                    name,
                    namespace=body["metadata"]["namespace"],
                    field_manager=self._field_manager,
                    force=True,
                    dry_run=dry_run,
                ),
            )
        finally:
            _warnings.reset(token)
        return Applied(_plain(applied), tuple(dict.fromkeys(sink)))

    async def delete(self, namespace: str, name: str) -> None:
        """Delete with foreground propagation; raises NotFound if already gone.

        Foreground: the object stays (with a deletionTimestamp) until the garbage collector has
        removed what its controller built (KServe's Deployments, Services, HPAs, pods), so a
        caller that waits for it to be gone knows nothing of it is left.
        """
        _require_name(name)
        await self._call(
            "delete",
            lambda: self._api.delete(
                self._cls, name, namespace=namespace, cascade=CascadeType.FOREGROUND
            ),
        )

    async def list(self, namespace: str | None, *, labels: LabelSelector) -> ListResult:
        """Every matching object of one namespace (None: all namespaces) and the list's version."""

        async def request() -> ListResult:
            listed = self._api.list(self._cls, namespace=namespace or "*", labels=_selector(labels))
            items = [_plain(item) async for item in listed]
            return ListResult(items, listed.resourceVersion)

        return await self._call("list", request)

    async def watch(
        self,
        namespace: str | None,
        *,
        resource_version: str,
        labels: LabelSelector,
        server_timeout: int,
    ) -> AsyncIterator[tuple[str, Obj]]:
        """Events after ``resource_version`` (BOOKMARKs included: they carry only a newer
        resourceVersion); raises Gone (410) when it is too old, Stalled when the stream heard
        nothing for ``server_timeout`` + WATCH_READ_MARGIN_S seconds."""
        stream = self._api.watch(
            self._cls,
            namespace=namespace or "*",
            labels=_selector(labels),
            resource_version=resource_version,
            server_timeout=server_timeout,
            on_error=on_error_raise,
        )
        self._count("watch", 200)
        try:
            async for event_type, obj in stream:
                self._reachability.answered()
                yield event_type, _plain(obj)
        except httpx2.ReadTimeout as exc:
            stalled = Stalled(
                0, "Stalled", f"no bytes for {server_timeout + WATCH_READ_MARGIN_S:.0f} s"
            )
            self._count("watch", 0)
            self._reachability.failed(None, f"watch: {stalled.message}")
            raise stalled from exc
        except (ApiError, httpx2.HTTPError) as exc:
            error = _to_k8s_error(exc)
            self._count("watch", error.status_code)
            if _unanswered(error):
                self._reachability.failed(None, f"watch: {_described(error)}")
            raise error from exc
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
