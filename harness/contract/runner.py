"""Run checks against a target: each bounded by a deadline, each outcome mapped to a verdict.

This is the one place where exceptions become verdicts: :class:`CheckFailed` → fail,
:class:`CheckSkipped` → skip, a passed deadline → fail, anything unexpected → error (with its
type and message, never a traceback). Per protocol version, checks that cannot disturb each other
run concurrently, then the disruptive ones alone, then ``target.stays-up``. A target that never
answered raises :class:`TargetUnreachable` (exit code 2); once it has answered, a death is a
finding and whatever could not run afterwards is "not run", with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import anyio

from harness.contract.check_runs import CheckRun
from harness.contract.context import Connector
from harness.contract.outcomes import Verdict
from harness.contract.registry import CONCURRENT, LAST, Check, select_checks
from harness.contract.results import CheckResult, ContractReport
from harness.contract.revival import RunState
from harness.contract.sandbox import sandboxed
from harness.contract.session import PROTOCOL_VERSIONS
from harness.contract.settings import ContractSettings
from harness.contract.target import Target, TargetUnreachable
from harness.contract.version_support import not_spoken_reason, version_refusal

ResultCallback = Callable[[CheckResult], None]


def versions_from_option(value: str) -> list[str]:
    """``all`` → both versions; otherwise one known version (a ValueError names the choices)."""
    if value == "all":
        return list(PROTOCOL_VERSIONS)
    if value not in PROTOCOL_VERSIONS:
        raise ValueError(f"unknown protocol version {value!r}; choose {', '.join(PROTOCOL_VERSIONS)} or all")
    return [value]


STAYS_UP = "target.stays-up"


def died_before(version: str, why: str) -> CheckResult:
    """A target that answered earlier in the run but not when this version began: a death, not exit 2."""
    stays_up = next(c for c in select_checks([STAYS_UP]))
    observed = f"it answered earlier in this run, then not when {version} began: {why}"
    return CheckResult(
        stays_up.id,
        version,
        stays_up.title,
        stays_up.clause,
        stays_up.severity,
        Verdict.FAIL,
        f"expected the target to keep answering; observed {observed}",
        0.0,
    )


def verdict_for_all(checks: Sequence[Check], version: str, verdict: Verdict, why: str) -> list[CheckResult]:
    return [CheckResult(c.id, version, c.title, c.clause, c.severity, verdict, why, 0.0) for c in checks]


async def run_contract(
    target: Target,
    versions: Sequence[str] = PROTOCOL_VERSIONS,
    settings: ContractSettings | None = None,
    only: Sequence[str] | None = None,
    on_result: ResultCallback | None = None,
) -> ContractReport:
    """Run the selected checks for each version; raises TargetUnreachable if nothing ever answers.

    A version the target does not speak is "not applicable" unless it is the only one asked for."""
    settings = settings or ContractSettings()
    checks = select_checks(only)
    report = ContractReport(target=target.label, transport=target.kind, versions=list(versions))
    started = time.perf_counter()
    run = RunState(settings)
    unreachable: list[str] = []
    try:
        with sandboxed(target, settings.sandbox_dir) as runnable:
            by_version: dict[str, list[CheckResult]] = {}
            failed_to_open: dict[str, str] = {}

            async def one_version(version: str) -> None:
                wanted = [c for c in checks if version in c.versions]
                results = await run_version(runnable, version, settings, run, wanted, len(versions) == 1)
                if isinstance(results, str):
                    unreachable.append(results)
                    why = results
                    results = verdict_for_all(wanted, version, Verdict.NOT_RUN, f"not run: {why}")
                    failed_to_open[version] = why
                by_version[version] = results

            if runnable.kind == "stdio":  # one process per version: independent, so at once
                async with anyio.create_task_group() as group:
                    for version in versions:
                        group.start_soon(one_version, version)
            else:  # one server: a death in one version must not be blamed on the other's checks
                for version in versions:
                    await one_version(version)
            for version in versions:
                for result in by_version[version]:
                    report.results.append(result)
                    if on_result is not None:
                        on_result(result)
    finally:
        await run.aclose()
    if not run.answered:
        raise TargetUnreachable("; ".join(unreachable) or f"{target.label}: no answer")
    for version, why in failed_to_open.items():  # it answered in another version, then not here
        report.results = [r for r in report.results if (r.check_id, r.version) != (STAYS_UP, version)]
        report.results.append(died_before(version, why))
    report.duration_s = time.perf_counter() - started
    return report


async def run_version(
    target: Target,
    version: str,
    settings: ContractSettings,
    run: RunState,
    checks: list[Check],
    asked: bool,
) -> list[CheckResult] | str:
    """The results of ``checks`` at ``version`` (in catalogue order), or why the target was unreachable."""
    if run.dead:
        return verdict_for_all(checks, version, Verdict.NOT_RUN, f"not run: {run.dead}")
    async with Connector(target, version, settings, run) as connector:
        try:
            refusal = await version_refusal(connector)
        except (TargetUnreachable, TimeoutError) as exc:
            return str(exc) or f"{target.label}: no answer within {settings.request_timeout_s * 2:g} s"
        if refusal is not None and not asked:
            return verdict_for_all(checks, version, Verdict.SKIP, not_spoken_reason(version, refusal))
        runs = CheckRun(connector)
        order = {c.id: i for i, c in enumerate(checks)}
        limiter = anyio.CapacityLimiter(settings.check_concurrency)

        async def concurrently(check: Check) -> None:
            async with limiter:
                await runs.run(check)

        async with anyio.create_task_group() as group:
            for check in checks:
                if check.phase == CONCURRENT:
                    group.start_soon(concurrently, check)
        for phase in sorted({c.phase for c in checks} - {CONCURRENT}):
            for check in (c for c in checks if c.phase == phase):
                await runs.run(check, even_if_dead=phase == LAST)
    return sorted(runs.results, key=lambda r: order[r.check_id])
