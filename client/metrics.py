"""Prometheus metrics of one client or gateway app, each in its own ``CollectorRegistry`` (no globals).

Client: calls and errors by upstream, tool and outcome; latency histograms by upstream and tool; breaker
state, connection state and in-flight calls by upstream (sampled at scrape time). Gateway: requests by
route kind and status class, credential and rate-limit refusals, and how long the client took to answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ClientMetrics:
    """What ``/metrics`` exposes; the dispatcher records, the app renders."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.calls = Counter(
            "mcph_client_tool_calls", "Tool calls by upstream, tool and outcome.",
            ["upstream", "tool", "outcome"], registry=self.registry,
        )  # fmt: skip
        self.errors = Counter(
            "mcph_client_tool_errors", "Failed tool calls (isError or a client error) by kind.",
            ["upstream", "tool", "kind"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "mcph_client_tool_call_seconds", "Tool call latency as the caller saw it.",
            ["upstream", "tool"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.breaker_state = Gauge(
            "mcph_client_breaker_state", "Circuit breaker: 0 closed, 1 open, 2 half-open.",
            ["upstream"], registry=self.registry,
        )  # fmt: skip
        self.upstream_up = Gauge(
            "mcph_client_upstream_up", "1 when a session to the upstream is open.", ["upstream"],
            registry=self.registry,
        )  # fmt: skip
        self.in_flight = Gauge(
            "mcph_client_upstream_in_flight", "Calls in flight (bulkhead occupancy).", ["upstream"],
            registry=self.registry,
        )  # fmt: skip
        self._samplers: list[Callable[[], None]] = []

    def observe_call(self, upstream: str, tool: str, outcome: str, seconds: float) -> None:
        self.calls.labels(upstream, tool, outcome).inc()
        if outcome != "ok":
            self.errors.labels(upstream, tool, outcome).inc()
        self.latency.labels(upstream, tool).observe(seconds)

    def sample_upstreams(self, sampler: Callable[[], Mapping[str, tuple[int, bool, int]]]) -> None:
        """Register ``sampler`` → {upstream: (breaker state, connected, in flight)}, read at each scrape."""

        def sample() -> None:
            for name, (state, up, in_flight) in sampler().items():
                self.breaker_state.labels(name).set(state)
                self.upstream_up.labels(name).set(1 if up else 0)
                self.in_flight.labels(name).set(in_flight)

        self._samplers.append(sample)

    def render(self) -> bytes:
        for sample in self._samplers:
            sample()
        return generate_latest(self.registry)


class GatewayMetrics:
    """What the gateway's ``/metrics`` exposes; the gateway records as it answers."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "mcph_gateway_requests", "Requests answered, by route kind (mcp, rest, other) and status class.",
            ["route", "status_class"], registry=self.registry,
        )  # fmt: skip
        self.auth_failures = Counter(
            "mcph_gateway_auth_failures", "Requests refused for missing or wrong credentials (401).",
            registry=self.registry,
        )  # fmt: skip
        self.rate_limited = Counter(
            "mcph_gateway_rate_limited", "Requests refused by the rate limit (429).", registry=self.registry
        )
        self.upstream_latency = Histogram(
            "mcph_gateway_upstream_seconds",
            "Time the client took to answer a forwarded request (a whole JSON answer; an SSE stream's headers).",
            ["route"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip

    def observe_response(self, route: str, status: int) -> None:
        self.requests.labels(route, f"{status // 100}xx").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
