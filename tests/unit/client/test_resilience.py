"""Breaker, bulkhead, retry policy and deadline resolution, driven without sleeping."""

from __future__ import annotations

from dataclasses import dataclass

import anyio
import pytest

from client.dispatch import SendLedger
from client.errors import BulkheadFull, CircuitOpen, Outcome, UpstreamRejected, UpstreamUnavailable
from client.resilience import BreakerState, Bulkhead, CircuitBreaker, RetryPolicy, resolve_deadline
from client.settings import BreakerSettings, RetrySettings, UpstreamSettings


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(
        "wallet", BreakerSettings(failure_rate=0.5, window_s=10, min_calls=4, open_s=5), clock
    )


def test_breaker_stays_closed_below_minimum_calls() -> None:
    b = breaker(FakeClock())
    for _ in range(3):
        b.before_call()
        b.record(False)
    assert b.state is BreakerState.CLOSED


def test_breaker_opens_on_failure_rate_then_fails_fast_with_retry_after() -> None:
    clock = FakeClock()
    b = breaker(clock)
    for ok in (True, False, True, False):
        b.before_call()
        b.record(ok)
    assert b.state is BreakerState.OPEN
    clock.now += 2
    with pytest.raises(CircuitOpen) as caught:
        b.before_call()
    assert caught.value.retry_after_s == pytest.approx(3.0)


def test_breaker_half_opens_admits_one_probe_and_closes_on_success() -> None:
    clock = FakeClock()
    b = breaker(clock)
    for _ in range(4):
        b.before_call()
        b.record(False)
    clock.now += 5
    assert b.state is BreakerState.HALF_OPEN
    b.before_call()
    with pytest.raises(CircuitOpen):
        b.before_call()  # only one probe at a time
    b.record(True)
    assert b.state is BreakerState.CLOSED
    b.before_call()


def test_breaker_reopens_when_the_probe_fails() -> None:
    clock = FakeClock()
    b = breaker(clock)
    for _ in range(4):
        b.before_call()
        b.record(False)
    clock.now += 5
    b.before_call()
    b.record(False)
    assert b.state is BreakerState.OPEN


def test_breaker_forgets_failures_outside_the_window() -> None:
    clock = FakeClock()
    b = breaker(clock)
    for _ in range(3):
        b.before_call()
        b.record(False)
    clock.now += 11
    for _ in range(3):
        b.before_call()
        b.record(True)
    b.before_call()
    b.record(False)
    assert b.state is BreakerState.CLOSED


@pytest.mark.anyio
async def test_bulkhead_bounds_concurrency_and_rejects_after_the_wait() -> None:
    bulkhead = Bulkhead("weather", limit=2, max_wait_s=0.05)
    peak = 0
    release = anyio.Event()
    rejected: list[BulkheadFull] = []
    two_rejected = anyio.Event()

    async def call() -> None:
        nonlocal peak
        try:
            async with bulkhead.slot():
                peak = max(peak, bulkhead.in_flight)
                await release.wait()
        except BulkheadFull as exc:
            rejected.append(exc)
            if len(rejected) == 2:
                two_rejected.set()

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(call)
            await two_rejected.wait()
            release.set()
    assert peak == 2
    assert len(rejected) == 2
    assert "busy" in rejected[0].message and rejected[0].status == 503


@pytest.mark.anyio
@pytest.mark.parametrize(("safe", "expected_attempts"), [(True, 3), (False, 1)])
async def test_retries_only_for_tools_safe_to_repeat(safe: bool, expected_attempts: int) -> None:
    policy = RetryPolicy(RetrySettings(attempts=3, initial_backoff_s=0.001, max_backoff_s=0.002, jitter_s=0))
    attempts = 0

    async def flaky() -> str:
        nonlocal attempts
        attempts += 1
        raise UpstreamUnavailable("connection reset", upstream="wallet")

    with anyio.fail_after(5), pytest.raises(UpstreamUnavailable):
        await policy.run(flaky, safe_to_repeat=safe)
    assert attempts == expected_attempts


@pytest.mark.anyio
@pytest.mark.parametrize(("outcome", "expected_attempts"), [("not_sent", 3), ("unknown", 1)])
async def test_a_tool_unsafe_to_repeat_is_retried_only_when_nothing_was_sent(
    outcome: Outcome, expected_attempts: int
) -> None:
    policy = RetryPolicy(RetrySettings(attempts=3, initial_backoff_s=0.001, max_backoff_s=0.002, jitter_s=0))
    attempts = 0

    async def refused() -> str:
        nonlocal attempts
        attempts += 1
        raise UpstreamUnavailable("connection refused", upstream="wallet", outcome=outcome)

    with anyio.fail_after(5), pytest.raises(UpstreamUnavailable):
        await policy.run(refused, safe_to_repeat=False)
    assert attempts == expected_attempts


def test_send_ledger_makes_the_final_error_unknown_once_any_attempt_may_have_been_sent() -> None:
    sends = SendLedger()
    sends.start()
    sends.settle(UpstreamUnavailable("refused", outcome="not_sent"))
    sends.end()
    definite = CircuitOpen("open")
    sends.make_final(definite)
    assert definite.outcome == "not_sent"  # nothing reached the server so far
    sends.start()
    sends.end()  # cut off mid-attempt (deadline or cancellation): it may have been written
    later = CircuitOpen("open")
    sends.make_final(later)
    assert later.outcome == "unknown" and "same idempotency key" in later.message


@pytest.mark.anyio
async def test_retry_succeeds_after_transient_failures_and_never_retries_rejections() -> None:
    policy = RetryPolicy(RetrySettings(attempts=3, initial_backoff_s=0.001, max_backoff_s=0.002, jitter_s=0))
    calls = 0

    async def recovers() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise UpstreamUnavailable("reset")
        return "ok"

    with anyio.fail_after(5):
        assert await policy.run(recovers, safe_to_repeat=True) == "ok"
    rejections = 0

    async def rejected() -> str:
        nonlocal rejections
        rejections += 1
        raise UpstreamRejected("invalid params")

    with anyio.fail_after(5), pytest.raises(UpstreamRejected):
        await policy.run(rejected, safe_to_repeat=True)
    assert rejections == 1


def test_deadline_resolves_tool_then_server_then_default() -> None:
    upstream = UpstreamSettings(
        name="weather", url="http://x/mcp", call_timeout_s=3, tool_timeouts_s={"slow": 9}
    )
    assert resolve_deadline(upstream, "slow", 10) == 9
    assert resolve_deadline(upstream, "fast", 10) == 3
    bare = UpstreamSettings(name="weather", url="http://x/mcp")
    assert resolve_deadline(bare, "fast", 10) == 10
