"""Deadlines, retries, breaker and bulkhead against real toy servers over loopback sockets."""

from __future__ import annotations

import time
from dataclasses import dataclass

import anyio
import httpx
import pytest

from client.resilience import BreakerState
from harness.fixtures.client import serve_stack

pytestmark = pytest.mark.anyio


async def rest_call(
    client: httpx.AsyncClient, base: str, tool: str, args: dict[str, object]
) -> httpx.Response:
    return await client.post(f"{base}/v1/tools/{tool}/call", json=args)


async def test_slow_server_times_out_at_its_deadline_while_others_keep_their_latency() -> None:
    overrides = {"weather": {"call_timeout_s": 0.5}}
    async with serve_stack(upstream_overrides=overrides) as stack, httpx.AsyncClient(timeout=10) as http:
        stack.toys["weather"].control.delays_s["get_weather"] = 3.0
        baseline = []
        for _ in range(5):
            started = time.perf_counter()
            assert (
                await rest_call(http, stack.client_url, "wallet__get_balance", {"account": "alice"})
            ).is_success
            baseline.append(time.perf_counter() - started)
        during: list[float] = []
        slow: dict[str, float | int] = {}

        async def slow_call() -> None:
            started = time.perf_counter()
            response = await rest_call(http, stack.client_url, "weather__get_weather", {"city": "Oslo"})
            slow["elapsed"], slow["status"] = time.perf_counter() - started, response.status_code
            slow["error"] = response.json()["error"]

        async def fast_calls() -> None:
            await anyio.sleep(0.05)  # let the slow call get in flight first
            for _ in range(5):
                started = time.perf_counter()
                ok = await rest_call(http, stack.client_url, "wallet__get_balance", {"account": "alice"})
                assert ok.is_success
                during.append(time.perf_counter() - started)

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(slow_call)
                tg.start_soon(fast_calls)
    assert slow["status"] == 504 and slow["error"] == "upstream_timeout"
    assert 0.45 <= float(slow["elapsed"]) <= 0.5 + 0.4, slow
    median_before = sorted(baseline)[2]
    median_during = sorted(during)[2]
    print(
        f"\nwallet p50 {median_before * 1000:.1f} ms before, {median_during * 1000:.1f} ms during the stall"
    )
    assert median_during < max(0.1, 5 * median_before)


@pytest.mark.parametrize(
    ("tool", "args", "expected_invocations"),
    [
        ("get_balance", {"account": "alice"}, 1),  # read-only: retried until it succeeds
        ("transfer", {"source": "a", "destination": "b", "amount": 1, "idempotency_key": "k1"}, 1),
        ("deposit", {"account": "alice", "amount": 5}, 0),  # not idempotent: never repeated
    ],
)
async def test_retries_happen_only_for_read_only_or_idempotent_tools(
    tool: str, args: dict[str, object], expected_invocations: int
) -> None:
    retry = {"attempts": 3, "initial_backoff_s": 0.01, "max_backoff_s": 0.02, "jitter_s": 0.0}
    async with (
        serve_stack(upstream_overrides={"wallet": {"retry": retry}}) as stack,
        httpx.AsyncClient() as http,
    ):
        control = stack.toys["wallet"].control
        control.http_failures = 2
        with anyio.fail_after(10):
            response = await rest_call(http, stack.client_url, f"wallet__{tool}", args)
        runtime = stack.client_app.state.runtime
        attempts = runtime.dispatcher.guards["wallet"].attempts
    if expected_invocations:
        assert response.status_code == 200 and response.json()["isError"] is False
        assert attempts == 3
    else:
        assert response.status_code == 503 and response.json()["error"] == "upstream_unavailable"
        assert attempts == 1
        assert control.http_failures == 1  # the second failure was never consumed
    assert control.invocations[tool] == expected_invocations


@dataclass
class FakeClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


async def test_breaker_opens_fails_fast_half_opens_and_closes() -> None:
    breaker = {"failure_rate": 0.5, "window_s": 60, "min_calls": 3, "open_s": 30}
    overrides = {"weather": {"breaker": breaker, "retry": {"attempts": 1}}}
    async with serve_stack(upstream_overrides=overrides) as stack, httpx.AsyncClient() as http:
        guard = stack.client_app.state.runtime.dispatcher.guards["weather"]
        clock = FakeClock()
        guard.breaker._clock = clock  # drive the breaker's time by hand
        control = stack.toys["weather"].control
        control.http_failures = 3
        with anyio.fail_after(10):
            for _ in range(3):
                failed = await rest_call(http, stack.client_url, "weather__get_weather", {"city": "Oslo"})
                assert failed.status_code == 503
            assert guard.breaker.state is BreakerState.OPEN
            started = time.perf_counter()
            fast = await rest_call(http, stack.client_url, "weather__get_weather", {"city": "Oslo"})
            assert fast.status_code == 503 and fast.json()["error"] == "circuit_open"
            assert int(fast.headers["retry-after"]) == 30
            assert time.perf_counter() - started < 0.5
            assert control.invocations["get_weather"] == 0  # failing fast: the server saw nothing
            other = await rest_call(http, stack.client_url, "wallet__get_balance", {"account": "alice"})
            assert other.status_code == 200  # one server's breaker does not touch the others
            metrics = (await http.get(f"{stack.client_url}/metrics")).text
            assert 'mcph_client_breaker_state{upstream="weather"} 1.0' in metrics
            clock.now += 30
            assert guard.breaker.state is BreakerState.HALF_OPEN
            probe = await rest_call(http, stack.client_url, "weather__get_weather", {"city": "Oslo"})
            assert probe.status_code == 200
            assert guard.breaker.state is BreakerState.CLOSED
            assert control.invocations["get_weather"] == 1


async def test_bulkhead_bounds_concurrency_and_answers_busy() -> None:
    overrides = {"knowledge": {"max_concurrency": 2, "max_queue_wait_s": 0.2, "call_timeout_s": 5}}
    async with serve_stack(upstream_overrides=overrides) as stack, httpx.AsyncClient(timeout=10) as http:
        stack.toys["knowledge"].control.delays_s["search"] = 1.0
        statuses: list[int] = []
        busy_headers: list[str] = []

        async def one() -> None:
            response = await rest_call(http, stack.client_url, "knowledge__search", {"query": "mtls"})
            statuses.append(response.status_code)
            if response.status_code == 503:
                assert response.json()["error"] == "upstream_busy"
                busy_headers.append(response.headers["retry-after"])

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                for _ in range(5):
                    tg.start_soon(one)
    assert sorted(statuses) == [200, 200, 503, 503, 503]
    assert stack.toys["knowledge"].control.invocations["search"] == 2
    assert busy_headers == ["1", "1", "1"]
