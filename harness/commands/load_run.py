"""One load run, end to end, for ``mcp-harness load``: deployment → probe → Locust (+ faults) → verdicts.

Everything asynchronous lives here, in one anyio run: the embedded deployment (when no target is
given), the SDK probe that proves the target answers before Locust starts, the Locust processes with a
live progress line, the fault timeline, and the wallet check through the SDK client afterwards.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import anyio
from rich.console import Console
from rich.live import Live
from rich.text import Text

from harness.mcp_http import open_mcp_client
from load.faults_timeline import AppliedStep, FaultTimeline, run_timeline, windows
from load.locust_process import LocustFailed, LocustPlan, Progress, run_locust
from load.samples import read_samples
from load.settings import WorkloadSettings
from load.slo import Objective, Verdict, judge
from load.stats import NameStats, run_span, summarize
from load.summary import summary_json, window_stats
from load.wallet_audit import AUDIT_TOOL, WalletCheck, check_wallet

PROBE_TIMEOUT_S = 15.0
LIFTED_RATE_LIMIT = "1000000/minute"


class LoadSetupError(Exception):
    """The run could not start: unreachable target, deployment that did not start, Locust that failed."""


class ToolCallFailed(Exception):
    pass


@dataclass
class LoadRequest:
    target: str | None
    users: int
    spawn_rate: float
    run_time_s: float
    workers: int
    objectives: list[Objective]
    timeline: FaultTimeline | None
    report_dir: Path
    run_id: str
    api_key: str | None = None
    bearer: str | None = None
    protocol: str = "2026-07-28"
    proxy_api: str | None = None
    seed: int | None = None  # the workload's data and choices (MCPH_LOAD_SEED); None: the settings' own


@dataclass
class LoadOutcome:
    stats: dict[str, NameStats]
    verdicts: list[Verdict]
    origin: float
    applied: list[AppliedStep] = field(default_factory=list)
    per_window: list[tuple[Any, dict[str, NameStats]]] = field(default_factory=list)
    wallet: WalletCheck | None = None


@dataclass
class Target:
    url: str
    credential: str | None
    proxy_api: str | None
    tools: set[str] = field(default_factory=set)


@asynccontextmanager
async def reached_target(request: LoadRequest) -> AsyncIterator[Target]:
    """The target to load: the given URL, or the embedded deployment's gateway while it runs."""
    async with AsyncExitStack() as stack:
        if request.target is None:
            from harness.commands.chaos import quiet_services
            from harness.launch.inprocess import LaunchOptions, launch
            from harness.topology import reference_topology

            stack.enter_context(quiet_services())
            options = LaunchOptions(
                topology=reference_topology(proxied=request.timeline is not None, redis_socket=True),
                gateway_overrides={"rate_limit": LIFTED_RATE_LIMIT},
            )
            try:
                deployment = await stack.enter_async_context(launch(options))
            except OSError as exc:
                raise LoadSetupError(f"cannot start the embedded deployment: {exc}") from exc
            e = deployment.endpoints
            target = Target(cast(str, e.gateway), e.api_key, e.proxy_api)
        else:
            target = Target(request.target, request.bearer or request.api_key, request.proxy_api)
        target.tools = await probe(target)
        yield target


async def probe(target: Target) -> set[str]:
    """The target's tool names, or :class:`LoadSetupError` saying why it cannot be reached."""
    try:
        with anyio.fail_after(PROBE_TIMEOUT_S):
            async with open_mcp_client(target.url, api_key=target.credential, timeout_s=10) as client:
                return {tool.name for tool in (await client.list_tools()).tools}
    except TimeoutError:
        raise LoadSetupError(
            f"target {target.url} did not answer tools/list in {PROBE_TIMEOUT_S:g} s"
        ) from None
    except Exception as exc:
        while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
            exc = exc.exceptions[0]  # type: ignore[assignment]
        raise LoadSetupError(f"target {target.url} is unreachable: {type(exc).__name__}: {exc}") from None


def locust_env(request: LoadRequest, target: Target) -> dict[str, str]:
    env = {
        "MCPH_LOAD_RECORD_DIR": str(request.report_dir),
        "MCPH_LOAD_RUN_ID": request.run_id,
        "MCPH_LOAD_PROTOCOL_VERSION": request.protocol,
    }
    if request.seed is not None:
        env["MCPH_LOAD_SEED"] = str(request.seed)
    if request.bearer and request.target is not None:
        env["MCPH_LOAD_BEARER_TOKEN"] = request.bearer
    elif target.credential:
        env["MCPH_LOAD_API_KEY"] = target.credential
    return env


class ProgressLine:
    """One line, rewritten in place on a terminal; every 5 s as plain lines elsewhere (CI logs)."""

    def __init__(self, console: Console, run_time_s: float) -> None:
        self.console = console
        self.run_time_s = run_time_s
        self.live = (
            Live(Text("starting Locust…"), console=console, transient=False) if console.is_terminal else None
        )
        self.last_printed = 0.0

    def __call__(self, p: Progress) -> None:
        errors = p.failures / p.requests * 100 if p.requests else 0.0
        line = (
            f"{p.elapsed_s:4.0f}s/{self.run_time_s:.0f}s  {p.requests} requests  {p.rps:.0f} req/s  "
            f"{errors:.2f}% errors  p95 {p.p95_ms:.0f} ms"
        )
        if self.live is not None:
            self.live.update(Text(line))
        elif time.monotonic() - self.last_printed >= 5:
            self.console.print(line)
            self.last_printed = time.monotonic()


async def run_phase(request: LoadRequest, target: Target, progress: ProgressLine) -> list[AppliedStep]:
    """Locust to its end, with the fault timeline running alongside; returns the steps applied."""
    plan = LocustPlan(
        host=target.url,
        users=request.users,
        spawn_rate=request.spawn_rate,
        run_time_s=request.run_time_s,
        report_dir=request.report_dir,
        workers=request.workers,
        env=locust_env(request, target),
    )
    if request.workers:
        from harness.fakes.redis_server import free_port

        plan.master_port = free_port()
    applied: list[AppliedStep] = []
    load_started = anyio.Event()

    async def faults(timeline: FaultTimeline, api_url: str) -> None:
        from chaos.client import ToxiproxyClient

        await load_started.wait()
        started = time.time()
        async with ToxiproxyClient(api_url) as api:
            applied.extend(await run_timeline(api, timeline, started, started + request.run_time_s))

    async with anyio.create_task_group() as tg:
        if request.timeline is not None and target.proxy_api is not None:
            tg.start_soon(faults, request.timeline, target.proxy_api)
        try:
            await run_locust(plan, progress, load_started)
        except LocustFailed as exc:
            raise LoadSetupError(str(exc)) from None
        finally:
            tg.cancel_scope.cancel()
    return applied


async def wallet_check(request: LoadRequest, target: Target) -> WalletCheck | None:
    settings = WorkloadSettings(run_id=request.run_id)
    if AUDIT_TOOL not in target.tools or settings.transfer_weight == 0:
        return None
    async with open_mcp_client(target.url, api_key=target.credential, timeout_s=30) as client:

        async def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
            result = await client.call_tool(name, arguments)
            if result.is_error:
                raise ToolCallFailed(f"{name}: {result.content}")
            return dict(result.structured_content or {})

        with anyio.fail_after(120):
            return await check_wallet(call, request.report_dir, settings)


async def run_load_async(request: LoadRequest, console: Console) -> LoadOutcome:
    progress = ProgressLine(console, request.run_time_s)
    async with reached_target(request) as target:
        console.print(f"load: {request.users} users on {target.url} for {request.run_time_s:g} s")
        if progress.live is not None:
            with progress.live:
                applied = await run_phase(request, target, progress)
        else:
            applied = await run_phase(request, target, progress)
        try:
            wallet = await wallet_check(request, target)
        except (ToolCallFailed, TimeoutError) as exc:
            wallet = WalletCheck(problems=[f"the wallet check could not run: {exc}"])
    samples = read_samples(request.report_dir)
    origin, end = run_span(samples)
    stats = summarize(samples, end - origin)
    per_window = window_stats(samples, windows(applied, origin, end)) if request.timeline else []
    outcome = LoadOutcome(stats, judge(request.objectives, stats), origin, applied, per_window, wallet)
    summary = summary_json(stats, outcome.verdicts, per_window, applied, wallet, origin)
    (request.report_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return outcome


def run_load(request: LoadRequest, console: Console) -> LoadOutcome:
    backend: Literal["asyncio"] = "asyncio"
    return anyio.run(run_load_async, request, console, backend=backend)
