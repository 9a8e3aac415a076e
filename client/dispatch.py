"""Calling an exposed tool: resolve the route, then deadline → bulkhead → retry → breaker → upstream.

One :class:`UpstreamGuard` per upstream holds its breaker, bulkhead and retry policy, so the state of
one server never touches calls to another. The deadline is one end-to-end budget: waiting for a
bulkhead slot, every attempt and the backoff between them all spend it, so a caller hears back within
the deadline (plus scheduling slack) however busy the upstream is.

The error a caller gets says what became of the call (:mod:`client.errors`). Attempts are tracked in a
:class:`SendLedger`: once any attempt may have reached the server, the final error is ``unknown``
whatever later attempts say — a retry refused by an open breaker does not undo a first attempt that
may have been applied.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import anyio
import mcp_types as types

from client.errors import (
    NOT_SENT,
    UNKNOWN,
    ClientError,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from client.metrics import ClientMetrics
from client.resilience import Bulkhead, CircuitBreaker, Clock, RetryPolicy, resolve_deadline
from client.router import RoutedTool, ToolRouter
from client.settings import ClientSettings, UpstreamSettings
from client.tracing import TRACEPARENT, Tracing
from client.upstreams import UpstreamPool


class ToolAnswer(Protocol):
    """What an attempt returns: an SDK ``CallToolResult`` or the fast path's forwarded result."""

    @property
    def is_error(self) -> bool: ...


R = TypeVar("R", bound=ToolAnswer)


@dataclass
class UpstreamGuard:
    """The protections of one upstream."""

    breaker: CircuitBreaker
    bulkhead: Bulkhead
    retry: RetryPolicy
    attempts: int = field(default=0)

    @classmethod
    def for_upstream(cls, settings: UpstreamSettings, clock: Clock = time.monotonic) -> UpstreamGuard:
        return cls(
            breaker=CircuitBreaker(settings.name, settings.breaker, clock),
            bulkhead=Bulkhead(settings.name, settings.max_concurrency, settings.max_queue_wait_s),
            retry=RetryPolicy(settings.retry),
        )


class ToolDispatcher:
    """Routes a call by exposed name and applies the owning upstream's protections."""

    def __init__(
        self,
        settings: ClientSettings,
        router: ToolRouter,
        pool: UpstreamPool,
        metrics: ClientMetrics,
        clock: Clock = time.monotonic,
        tracing: Tracing | None = None,
    ) -> None:
        self.settings = settings
        self.tracing = tracing or Tracing.off()
        self.router = router
        self.pool = pool
        self.metrics = metrics
        self.guards: dict[str, UpstreamGuard] = {
            u.name: UpstreamGuard.for_upstream(u, clock) for u in settings.upstreams
        }

    def upstream_samples(self) -> Mapping[str, tuple[int, bool, int]]:
        return {
            name: (int(guard.breaker.state), self.pool[name].connected, guard.bulkhead.in_flight)
            for name, guard in self.guards.items()
        }

    async def call(
        self, name: str, arguments: dict[str, Any], traceparent: str | None = None
    ) -> types.CallToolResult:
        """The upstream's result (``isError`` included) or a typed :class:`ClientError`, over the SDK."""
        route = self.router.resolve(name)
        upstream = self.pool[route.upstream]

        async def over_sdk(next_hop: str | None) -> types.CallToolResult:
            if next_hop is None:
                return await upstream.call_tool(route.original_name, arguments)
            return await upstream.call_tool(route.original_name, arguments, {TRACEPARENT: next_hop})

        return await self.call_route(route, over_sdk, traceparent)

    async def call_route(
        self, route: RoutedTool, send: Callable[[str | None], Awaitable[R]], traceparent: str | None = None
    ) -> R:
        """One call of ``route`` whose attempts ``send`` makes (given the traceparent for the upstream):
        the SDK session or the fast path (:mod:`client.fast_forward`), under the same protections."""
        started = time.perf_counter()
        outcome = "ok"
        attributes = {"mcp.tool": route.name, "mcp.upstream": route.upstream}
        with self.tracing.hop("client", traceparent, attributes) as span:
            next_hop = span.traceparent if span is not None else None
            try:
                result = await self._guarded_call(route, lambda: send(next_hop))
                if result.is_error:
                    outcome = "tool_error"
                return result
            except ClientError as exc:
                outcome = exc.code
                raise
            finally:
                self.metrics.observe_call(
                    route.upstream, route.original_name, outcome, time.perf_counter() - started
                )
                if span is not None:
                    span.outcome(outcome)

    async def _guarded_call(self, route: RoutedTool, send: Callable[[], Awaitable[R]]) -> R:
        upstream = self.pool[route.upstream]
        guard = self.guards[route.upstream]
        deadline_s = resolve_deadline(upstream.settings, route.original_name, self.settings.default_timeout_s)
        sends = SendLedger()

        async def attempt() -> R:
            guard.breaker.before_call()  # CircuitOpen here: nothing was sent
            guard.attempts += 1
            verdict: bool | None = None
            sends.start()
            try:
                result = await send()
                verdict = True
                sends.settle(None)
                return result
            except UpstreamUnavailable as exc:
                verdict = False
                sends.settle(exc)
                raise
            except UpstreamRejected as exc:
                verdict = True  # the server answered: it is alive
                sends.settle(exc)
                raise
            except ClientError as exc:
                sends.settle(exc)
                raise
            finally:
                sends.end()
                if verdict is None:
                    guard.breaker.release_probe()
                else:
                    guard.breaker.record(verdict)

        try:
            with anyio.fail_after(deadline_s):
                async with guard.bulkhead.slot():
                    return await guard.retry.run(attempt, safe_to_repeat=route.safe_to_repeat)
        except TimeoutError:
            if sends.maybe_sent:
                guard.breaker.record(False)
            raise UpstreamTimeout(
                f"{route.name!r} did not answer within {deadline_s:g} s",
                upstream=route.upstream,
                outcome=UNKNOWN if sends.maybe_sent else NOT_SENT,
            ) from None
        except ClientError as exc:
            sends.make_final(exc)
            raise


@dataclass
class SendLedger:
    """What the attempts of one call may have done; decides the outcome of the call's final error."""

    maybe_sent: bool = False
    _in_flight: bool = False
    _settled: bool = False

    def start(self) -> None:
        self._in_flight, self._settled = True, False

    def settle(self, error: ClientError | None) -> None:
        """An attempt ended with an answer (None) or ``error``, whose outcome says if it was sent."""
        self._settled = True
        if error is None or error.outcome != NOT_SENT:
            self.maybe_sent = True

    def end(self) -> None:
        if self._in_flight and not self._settled:
            self.maybe_sent = True  # cut off (deadline, cancellation) while it may have been on the wire
        self._in_flight = False

    def make_final(self, error: ClientError) -> None:
        """Make ``error`` indeterminate if an earlier attempt may have reached the server."""
        if self.maybe_sent and error.outcome != UNKNOWN:
            error.outcome = UNKNOWN
            error.message += (
                " (an earlier attempt may have been applied: retry with the same idempotency key)"
            )
