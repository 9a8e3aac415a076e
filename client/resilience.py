"""Per-upstream protection: deadlines, retries, a circuit breaker and a bulkhead.

* Deadline — one per call, resolved tool → server → default (:func:`resolve_deadline`); it bounds the
  whole call, bulkhead queueing and retries included, so a caller waits at most that long.
* Retries — tenacity with exponential backoff and jitter, only for :class:`UpstreamUnavailable`: for
  any tool when the failed attempt was provably not sent, otherwise only for tools annotated
  ``readOnlyHint`` or ``idempotentHint`` (a call that may have run is never repeated for a tool that is
  not safe to repeat).
* :class:`CircuitBreaker` — closed → open when the failure rate over a sliding window reaches a
  threshold with a minimum number of calls → half-open after ``open_s`` (one probe call) → closed on
  success, open again on failure. Written here because no maintained asyncio breaker fits (pybreaker is
  synchronous); the clock is injectable so tests drive it without sleeping.
* :class:`Bulkhead` — an ``anyio.CapacityLimiter`` per upstream; an excess call waits up to a bound and
  then fails with :class:`BulkheadFull`, so a slow server cannot soak up the callers of the others.
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import anyio
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from client.errors import NOT_SENT, BulkheadFull, CircuitOpen, UpstreamUnavailable
from client.settings import BreakerSettings, RetrySettings, UpstreamSettings

T = TypeVar("T")
Clock = Callable[[], float]


def resolve_deadline(upstream: UpstreamSettings, tool: str, default_s: float) -> float:
    """Per-tool deadline, else the server's, else the client's default."""
    if tool in upstream.tool_timeouts_s:
        return upstream.tool_timeouts_s[tool]
    return upstream.call_timeout_s if upstream.call_timeout_s is not None else default_s


class BreakerState(enum.IntEnum):
    """Numeric values are what ``/metrics`` reports."""

    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2


class CircuitBreaker:
    """Failure-rate breaker over a sliding time window; one instance per upstream."""

    def __init__(self, name: str, settings: BreakerSettings, clock: Clock = time.monotonic) -> None:
        self.name = name
        self.settings = settings
        self._clock = clock
        self._outcomes: deque[tuple[float, bool]] = deque()
        self._failures = 0  # failures in _outcomes, kept as they come and go (a recount was O(window))
        self._state = BreakerState.CLOSED
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self.settings.open_s:
            self._state = BreakerState.HALF_OPEN
            self._probe_in_flight = False
        return self._state

    def retry_after_s(self) -> float:
        return max(0.0, self.settings.open_s - (self._clock() - self._opened_at))

    def before_call(self) -> None:
        """Raise :class:`CircuitOpen` unless a call may go through (half-open admits one probe)."""
        state = self.state
        if state is BreakerState.OPEN:
            raise CircuitOpen(
                f"circuit open for {self.name!r} after repeated failures",
                upstream=self.name,
                retry_after_s=self.retry_after_s(),
            )
        if state is BreakerState.HALF_OPEN:
            if self._probe_in_flight:
                raise CircuitOpen(
                    f"circuit half-open for {self.name!r}: a probe call is in flight",
                    upstream=self.name,
                    retry_after_s=1.0,
                )
            self._probe_in_flight = True

    def record(self, success: bool) -> None:
        now = self._clock()
        if self._state is BreakerState.HALF_OPEN:
            self._probe_in_flight = False
            if success:
                self._state = BreakerState.CLOSED
                self._outcomes.clear()
                self._failures = 0
            else:
                self._trip(now)
            return
        self._outcomes.append((now, success))
        self._failures += not success
        horizon = now - self.settings.window_s
        while self._outcomes and self._outcomes[0][0] < horizon:
            self._failures -= not self._outcomes.popleft()[1]
        total = len(self._outcomes)
        failures = self._failures
        if (
            self._state is BreakerState.CLOSED
            and total >= self.settings.min_calls
            and failures / total >= self.settings.failure_rate
        ):
            self._trip(now)

    def release_probe(self) -> None:
        """A half-open probe ended without a verdict (e.g. cancelled): admit another."""
        self._probe_in_flight = False

    def _trip(self, now: float) -> None:
        self._state = BreakerState.OPEN
        self._opened_at = now
        self._outcomes.clear()
        self._failures = 0


class Bulkhead:
    """At most ``limit`` calls in flight per upstream; excess waits ``max_wait_s`` then fails."""

    def __init__(self, name: str, limit: int, max_wait_s: float) -> None:
        self.name = name
        self.max_wait_s = max_wait_s
        self.limiter = anyio.CapacityLimiter(limit)

    @property
    def in_flight(self) -> int:
        return int(self.limiter.borrowed_tokens)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        token = object()
        try:
            if self.max_wait_s <= 0:
                self.limiter.acquire_on_behalf_of_nowait(token)
            else:
                with anyio.fail_after(self.max_wait_s):
                    await self.limiter.acquire_on_behalf_of(token)
        except (TimeoutError, anyio.WouldBlock) as exc:
            raise BulkheadFull(
                f"{self.name!r} is busy: {self.limiter.total_tokens:g} calls in flight, "
                f"waited {self.max_wait_s:g} s",
                upstream=self.name,
                retry_after_s=1.0,
            ) from exc
        try:
            yield
        finally:
            self.limiter.release_on_behalf_of(token)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry :class:`UpstreamUnavailable` when nothing was sent, or when the tool is safe to repeat."""

    settings: RetrySettings

    async def run(self, attempt: Callable[[], Awaitable[T]], *, safe_to_repeat: bool) -> T:
        def retryable(error: BaseException) -> bool:
            return isinstance(error, UpstreamUnavailable) and (safe_to_repeat or error.outcome == NOT_SENT)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.attempts),
            wait=wait_exponential_jitter(
                multiplier=self.settings.initial_backoff_s,
                max=self.settings.max_backoff_s,
                jitter=self.settings.jitter_s,
            ),
            retry=retry_if_exception(retryable),
            reraise=True,
        )
        async for try_ in retrying:
            with try_:
                return await attempt()
        raise AssertionError("unreachable: tenacity reraises the last error")  # pragma: no cover
