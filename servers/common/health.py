"""The ``health`` tool every server exposes: each backend's status and latency, probed on demand."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations
from pydantic import BaseModel


@dataclass(frozen=True)
class BackendCheck:
    """A named probe; it raises when the backend is unhealthy."""

    name: str
    kind: str
    probe: Callable[[], Awaitable[None]]


class BackendStatus(BaseModel):
    name: str
    kind: str
    ok: bool
    latency_ms: float
    error: str | None = None


class HealthReport(BaseModel):
    server: str
    status: Literal["ok", "degraded"]
    backends: list[BackendStatus]


async def probe_backend(check: BackendCheck, timeout_s: float) -> BackendStatus:
    started = time.perf_counter()
    error: str | None = None
    try:
        with anyio.fail_after(timeout_s):
            await check.probe()
    except TimeoutError:
        error = f"no answer within {timeout_s:g} s"
    except Exception as exc:  # a health probe reports every failure instead of raising it
        error = f"{type(exc).__name__}: {exc}"
    latency_ms = (time.perf_counter() - started) * 1000
    return BackendStatus(
        name=check.name, kind=check.kind, ok=error is None, latency_ms=latency_ms, error=error
    )


async def check_health(server_name: str, checks: Sequence[BackendCheck], timeout_s: float) -> HealthReport:
    """Probe every backend concurrently so one slow backend does not hide the others."""
    results: list[BackendStatus | None] = [None] * len(checks)

    async def run(index: int, check: BackendCheck) -> None:
        results[index] = await probe_backend(check, timeout_s)

    async with anyio.create_task_group() as tg:
        for index, check in enumerate(checks):
            tg.start_soon(run, index, check)
    statuses = [status for status in results if status is not None]
    overall: Literal["ok", "degraded"] = "ok" if all(s.ok for s in statuses) else "degraded"
    return HealthReport(server=server_name, status=overall, backends=statuses)


def add_health_tool(server: MCPServer, checks: Sequence[BackendCheck], timeout_s: float = 2.0) -> None:
    """Register ``health`` on ``server``; it never fails, it reports."""

    async def health() -> HealthReport:
        """Report this server's status and each backend's status and latency."""
        return await check_health(server.name, checks, timeout_s)

    server.add_tool(
        health,
        name="health",
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    )
