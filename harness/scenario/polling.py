"""Waiting for a state change with a deadline (never sleeping to synchronise on a guess).

Experiments poll: "the weather API answers again", "the breaker is closed". :func:`eventually` repeats
an async attempt until it reports success or the deadline passes, and returns the last attempt either
way, so the caller can say what it saw.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import anyio

T = TypeVar("T")


@dataclass(frozen=True)
class Polled(Generic[T]):
    """The last value seen, whether it satisfied the condition, after how long and how many tries."""

    value: T
    satisfied: bool
    elapsed_s: float
    attempts: int


async def eventually(
    attempt: Callable[[], Awaitable[T]],
    satisfied: Callable[[T], bool],
    *,
    within_s: float,
    interval_s: float = 0.1,
) -> Polled[T]:
    """Run ``attempt`` until ``satisfied(value)`` or ``within_s`` elapsed (at least one attempt)."""
    started = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        value = await attempt()
        elapsed = time.perf_counter() - started
        if satisfied(value):
            return Polled(value, True, elapsed, attempts)
        if elapsed + interval_s > within_s:
            return Polled(value, False, elapsed, attempts)
        await anyio.sleep(interval_s)
