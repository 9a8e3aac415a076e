"""The in-memory moving window: a caller gets ``amount`` hits per window, then waits for the oldest to age."""

from __future__ import annotations

import pytest

from client.ratelimit import MemoryRateLimiter

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_moving_window_refuses_past_the_limit_and_frees_as_hits_age() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter("3/minute", clock)
    decisions = []
    for _ in range(3):
        decisions.append(await limiter.hit("alice"))
        clock.now += 10
    assert [d.allowed for d in decisions] == [True, True, True]
    assert [d.remaining for d in decisions] == [2, 1, 0]
    refused = await limiter.hit("alice")
    assert (
        not refused.allowed and refused.limit == 3 and refused.retry_after_s == 30
    )  # first hit at +0, now +30
    assert (await limiter.hit("bob")).allowed  # windows are per caller
    clock.now += 30  # the first hit leaves the window
    assert (await limiter.hit("alice")).allowed
    assert not (await limiter.hit("alice")).allowed


async def test_a_callers_own_limit_and_idle_windows_are_swept() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter("100/minute", clock)
    assert (await limiter.hit("agent", "1/second")).allowed
    assert not (await limiter.hit("agent", "1/second")).allowed
    clock.now += 1.0
    assert (await limiter.hit("agent", "1/second")).allowed
    for n in range(MemoryRateLimiter.SWEEP_EVERY):
        await limiter.hit(f"caller-{n}")
    clock.now += 61
    for _ in range(MemoryRateLimiter.SWEEP_EVERY):
        await limiter.hit("last")  # hits to reach the next sweep (most are refused: 100/minute)
    assert len(limiter._hits) <= 2  # idle callers swept: memory does not grow with every caller ever seen
