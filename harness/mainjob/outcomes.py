"""Turning a timed block into an :class:`Outcome`: an AssertionError is a fail, anything else an error."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from harness.report import Outcome

Check = Callable[[], Awaitable[tuple[str, dict[str, Any]]]]


def innermost(exc: BaseException) -> BaseException:
    """The one real error inside nested single-member exception groups (SDK task groups wrap them)."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


async def timed_outcome(suite: str, name: str, check: Check, timeout_s: float) -> Outcome:
    """Run ``check`` (returns detail and data) under a deadline and grade it."""
    started = time.perf_counter()
    try:
        with anyio.fail_after(timeout_s):
            detail, data = await check()
    except Exception as raised:  # the boundary: report, never raise
        exc = innermost(raised)
        elapsed = time.perf_counter() - started
        if isinstance(exc, AssertionError):
            return Outcome(suite, name, "fail", str(exc) or "assertion failed", elapsed)
        if isinstance(exc, TimeoutError):
            return Outcome(suite, name, "error", f"no result within {timeout_s:g} s", elapsed)
        return Outcome(suite, name, "error", f"{type(exc).__name__}: {exc}", elapsed)
    return Outcome(suite, name, "pass", detail, time.perf_counter() - started, data)
