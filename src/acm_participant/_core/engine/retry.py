"""The one retry mechanism of the SDK: tenacity, with capped exponential backoff.

Handlers ask for a retry by raising :class:`RetryableFailure`; transports retry their own
transient errors with :func:`backoff` schedules. Nothing else in the SDK loops on failures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from acm_participant.failures import RetryableFailure
from acm_participant.settings import ParticipantSettings

__all__ = ["call_with_retries"]

T = TypeVar("T")


async def call_with_retries(settings: ParticipantSettings, call: Callable[[], Awaitable[T]]) -> T:
    """``call()``, again after a backoff while it raises :class:`RetryableFailure`, at most
    ``settings.retry_attempts`` times in all; the last failure is re-raised."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(RetryableFailure),
        stop=stop_after_attempt(settings.retry_attempts),
        wait=wait_exponential(
            multiplier=settings.retry_initial_ms / 1000, max=settings.retry_max_ms / 1000
        ),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await call()
    raise AssertionError("unreachable: tenacity re-raises the last failure")
