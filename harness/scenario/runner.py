"""Running one scenario: reach the deployment, play the timeline, undo its faults, judge, report.

A run never raises for what it found: a broken expectation is verdict ``fail``; a step that cannot
run, a deployment that does not start, or a run over its ``timeout`` is verdict ``error`` with the
reason. Faults the timeline applied are undone (shielded, bounded) before judging, so recovery is
measured by the steps and no fault outlives its scenario.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import anyio

from harness.launch.inprocess import LaunchOptions
from harness.report.model import CallPoint, ExpectationResult, ScenarioReport, Verdict, Window
from harness.scenario.context import RunContext, StepError
from harness.scenario.deploy import reach, unrunnable_reason
from harness.scenario.gateway_probe import GatewayProbe
from harness.scenario.judge import judge_one
from harness.scenario.model import Scenario
from harness.scenario.record import RunRecord
from harness.scenario.steps import run_steps, undo_faults

UNDO_TIMEOUT_S = 15.0


def innermost(exc: BaseException) -> BaseException:
    """The one real error inside nested single-member exception groups (task groups wrap them)."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def describe_error(exc: BaseException) -> str:
    """``Type: message``; for a group of several (parallel steps), each distinct one, ``; ``-joined."""
    exc = innermost(exc)
    if isinstance(exc, BaseExceptionGroup):
        parts = dict.fromkeys(describe_error(e) for e in exc.exceptions)
        return "; ".join(parts)
    return str(exc) if isinstance(exc, StepError) else f"{type(exc).__name__}: {exc}"


def run_tag(scenario: Scenario, launched: bool) -> str:
    """A namespace for accounts and keys: from the seed on a fresh deployment, unique on a shared one."""
    if not launched:
        return f"{scenario.name[:12]}-{uuid.uuid4().hex[:6]}"
    return hashlib.sha256(f"{scenario.name}:{scenario.seed}".encode()).hexdigest()[:8]


async def run_scenario(
    scenario: Scenario,
    *,
    source: Path | None = None,
    on_step: Callable[[str], None] | None = None,
    adjust: Callable[[LaunchOptions], None] | None = None,
    pod_logs: Path | None = None,
) -> ScenarioReport:
    """Run ``scenario`` to a verdict; ``adjust`` edits the launch options (tests break settings with it)."""
    started = time.perf_counter()
    skipped = unrunnable_reason(scenario.topology)
    if skipped is not None:
        return ScenarioReport(
            name=scenario.name,
            verdict="skip",
            description=scenario.description,
            source=str(source) if source else "",
            seed=scenario.seed,
            duration_s=0.0,
            error=skipped,
        )
    record = RunRecord(on_step=on_step)
    judged: list[ExpectationResult] = []
    error: str | None = None
    try:
        with anyio.fail_after(scenario.timeout):
            async with (
                reach(scenario.topology, scenario.seed, adjust, pod_logs) as reached,
                GatewayProbe(
                    reached.gateway, reached.api_key, timeout_s=30, transport=reached.transport
                ) as probe,
            ):
                ctx = RunContext(reached, probe, scenario.seed, run_tag(scenario, reached.launched), record)
                record.origin = time.perf_counter()
                try:
                    await run_steps(scenario.steps, ctx)
                finally:
                    with anyio.CancelScope(shield=True), anyio.move_on_after(UNDO_TIMEOUT_S):
                        problems = await undo_faults(ctx)
                if problems:
                    error = "; ".join(problems)
                else:
                    record.note_step("judging expectations")
                    for expectation in scenario.expect:
                        judged.append(await judge_one(expectation, ctx))
    except TimeoutError:
        error = f"the scenario did not finish within its timeout of {scenario.timeout:g} s"
    except Exception as raised:  # the boundary: a run reports, it does not raise
        error = describe_error(raised)
        if record.timeline:
            error = f"at step “{record.timeline[-1][1]}”: {error}"
    verdict: Verdict = "error" if error else ("pass" if all(j.held for j in judged) else "fail")
    return ScenarioReport(
        name=scenario.name,
        verdict=verdict,
        description=scenario.description,
        source=str(source) if source else "",
        seed=scenario.seed,
        duration_s=time.perf_counter() - started,
        error=error,
        expectations=judged,
        calls=[
            CallPoint(c.t, c.tool, c.outcome.latency_s * 1000, c.ok, c.code, c.label) for c in record.calls
        ],
        windows=[Window(w.name, w.kind, w.target, w.start, w.end or w.start) for w in record.windows],
        timeline=list(record.timeline),
        measurements=dict(record.measurements),
    )
