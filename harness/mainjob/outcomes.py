"""Turning a timed block into an :class:`Outcome`: an AssertionError is a fail, anything else an error."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from harness.report import Outcome

Check = Callable[[], Awaitable[tuple[str, dict[str, Any]]]]


async def timed_outcome(suite: str, name: str, check: Check, timeout_s: float) -> Outcome:
    """Run ``check`` (returns detail and data) under a deadline and grade it."""
    started = time.perf_counter()
    try:
        with anyio.fail_after(timeout_s):
            detail, data = await check()
    except AssertionError as exc:
        return Outcome(suite, name, "fail", str(exc) or "assertion failed", time.perf_counter() - started)
    except TimeoutError:
        return Outcome(
            suite, name, "error", f"no result within {timeout_s:g} s", time.perf_counter() - started
        )
    except Exception as exc:  # the boundary: report, never raise
        detail = f"{type(exc).__name__}: {exc}"
        return Outcome(suite, name, "error", detail, time.perf_counter() - started)
    return Outcome(suite, name, "pass", detail, time.perf_counter() - started, data)
