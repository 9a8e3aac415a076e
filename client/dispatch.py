"""Calling an exposed tool: resolve the route, then bulkhead → deadline → retry → breaker → upstream.

One :class:`UpstreamGuard` per upstream holds its breaker, bulkhead and retry policy, so the state of
one server never touches calls to another. The deadline bounds the whole call (retries included);
time spent waiting for a bulkhead slot is bounded separately by the bulkhead.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
import mcp_types as types

from client.errors import ClientError, UpstreamRejected, UpstreamTimeout, UpstreamUnavailable
from client.metrics import ClientMetrics
from client.resilience import Bulkhead, CircuitBreaker, Clock, RetryPolicy, resolve_deadline
from client.router import RoutedTool, ToolRouter
from client.settings import ClientSettings, UpstreamSettings
from client.upstreams import UpstreamPool


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
    ) -> None:
        self.settings = settings
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

    async def call(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        """The upstream's result (``isError`` included) or a typed :class:`ClientError`."""
        route = self.router.resolve(name)
        started = time.perf_counter()
        outcome = "ok"
        try:
            result = await self._guarded_call(route, arguments)
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

    async def _guarded_call(self, route: RoutedTool, arguments: dict[str, Any]) -> types.CallToolResult:
        upstream = self.pool[route.upstream]
        guard = self.guards[route.upstream]
        deadline_s = resolve_deadline(upstream.settings, route.original_name, self.settings.default_timeout_s)

        async def attempt() -> types.CallToolResult:
            guard.breaker.before_call()
            guard.attempts += 1
            verdict: bool | None = None
            try:
                result = await upstream.call_tool(route.original_name, arguments)
                verdict = True
                return result
            except UpstreamUnavailable:
                verdict = False
                raise
            except UpstreamRejected:
                verdict = True  # the server answered: it is alive
                raise
            finally:
                if verdict is None:
                    guard.breaker.release_probe()
                else:
                    guard.breaker.record(verdict)

        async with guard.bulkhead.slot():
            try:
                with anyio.fail_after(deadline_s):
                    return await guard.retry.run(attempt, safe_to_repeat=route.safe_to_repeat)
            except TimeoutError:
                guard.breaker.record(False)
                raise UpstreamTimeout(
                    f"{route.name!r} did not answer within {deadline_s:g} s", upstream=route.upstream
                ) from None
