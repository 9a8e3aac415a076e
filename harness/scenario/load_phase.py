"""The ``load`` step: issue 7's reference Locust workload against the gateway, as one phase of a timeline.

Locust runs in child processes (``load.locust_process``) for ``run_time``; steps placed beside it in
a ``parallel`` block (toxics, pod faults) happen while it runs. Its samples are kept for ``slo``
expectations (``load.slo`` syntax, judged on exact percentiles) and drawn in the report like any call;
the workload's own wallet check (every accepted transfer in the ledger once) is measured as
``<as>.wallet_problems``.
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from rich.console import Console

from harness.scenario.context import RunContext
from harness.scenario.gateway_probe import CallOutcome
from harness.scenario.record import CallRecord
from harness.scenario.timeline import Load


async def run_load_phase(step: Load, ctx: RunContext) -> None:
    from harness.commands.load_run import LoadRequest, ProgressLine, Target, run_phase, wallet_check
    from load.samples import read_samples
    from load.stats import run_span, summarize

    with tempfile.TemporaryDirectory(prefix="mcph-scenario-load-") as directory:
        request = LoadRequest(
            target=ctx.reached.gateway,
            users=step.users,
            spawn_rate=step.spawn_rate,
            run_time_s=step.run_time,
            workers=0,
            objectives=[],
            timeline=None,
            report_dir=Path(directory),
            run_id=f"{ctx.run_tag}-{step.as_}",
            api_key=ctx.reached.api_key,
            seed=ctx.seed,
        )
        target = Target(ctx.reached.gateway, ctx.reached.api_key, None, {"wallet__audit"})
        quiet = ProgressLine(Console(file=io.StringIO()), step.run_time)
        await run_phase(request, target, quiet)
        wallet = await wallet_check(request, target)
        samples = read_samples(Path(directory))
    origin, end = run_span(samples)
    ctx.load_stats[step.as_] = summarize(samples, end - origin)
    epoch_origin = time.time() - ctx.record.now()
    for s in samples:
        ok = s.ok
        tool = s.name.removeprefix("tools/call ")
        outcome = CallOutcome(tool, s.response_ms / 1000, 200, is_error=not ok, text=s.failure or "")
        ctx.record.calls.append(CallRecord(step.as_, s.start - epoch_origin, {}, outcome))
    problems = wallet.problems if wallet is not None else []
    ctx.record.measure(f"{step.as_}.requests", len(samples))
    ctx.record.measure(f"{step.as_}.wallet_problems", len(problems), problems)
