"""Bounded delta-shrinking of a failing tools/call argument object.

Hypothesis' own shrinker would replay hundreds of calls (each may hang for the whole call timeout or
kill the target), so failing examples are shrunk here greedily: drop keys, shorten strings by halves
and then by chunks (ddmin-style), move numbers toward 0, drop list items, cut nesting — keeping a
candidate only when the server fails it *the same way*. Bounded by a number of calls and seconds.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio

StillFails = Callable[[Any], Awaitable[bool]]


@dataclass
class Shrunk:
    arguments: Any
    calls: int
    complete: bool  # False when the budget ran out before no smaller candidate failed

    def account(self) -> str:
        state = "minimal" if self.complete else "budget spent; may not be minimal"
        return f"shrunk with {self.calls} replays ({state})"


def size(value: Any) -> int:
    return len(json.dumps(value, default=str))


def string_candidates(text: str) -> Iterator[str]:
    if not text:
        return
    yield ""
    half = len(text) // 2
    if half:
        yield text[:half]
        yield text[half:]
    chunk = max(1, len(text) // 8)
    for start in range(0, len(text), chunk):
        yield text[:start] + text[start + chunk :]
    if len(text) > 1:
        for index in range(min(len(text), 16)):
            yield text[index]


def number_candidates(value: int | float) -> Iterator[int | float]:
    if value == 0:
        return
    yield 0
    if isinstance(value, float) and value != int(value):
        yield int(value)
    if abs(value) > 1:
        yield type(value)(value / 2) if isinstance(value, float) else value // 2
        yield 1 if value > 0 else -1
    if value < 0:
        yield -value


def candidates(value: Any) -> Iterator[Any]:
    """Smaller variants of ``value``, most aggressive first."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, str):
        yield from string_candidates(value)
    elif isinstance(value, int | float):
        yield from number_candidates(value)
    elif isinstance(value, list):
        if value:
            yield []
        for index in range(len(value)):
            yield value[:index] + value[index + 1 :]
        for index, item in enumerate(value):
            for smaller in candidates(item):
                yield [*value[:index], smaller, *value[index + 1 :]]
    elif isinstance(value, dict):
        for key in value:
            yield {k: v for k, v in value.items() if k != key}
        for key, item in value.items():
            for smaller in candidates(item):
                yield {**value, key: smaller}


async def shrink(arguments: Any, still_fails: StillFails, max_calls: int, budget_s: float) -> Shrunk:
    """The smallest variant of ``arguments`` found for which ``still_fails`` holds."""
    best, calls = arguments, 0
    with anyio.move_on_after(budget_s):
        improved = True
        while improved:
            improved = False
            for candidate in candidates(best):
                if size(candidate) >= size(best):
                    continue
                if calls >= max_calls:
                    return Shrunk(best, calls, complete=False)
                calls += 1
                if await still_fails(candidate):
                    best, improved = candidate, True
                    break
        return Shrunk(best, calls, complete=True)
    return Shrunk(best, calls, complete=False)
