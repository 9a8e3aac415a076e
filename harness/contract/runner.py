"""Run checks against a target: each check bounded by a deadline, each outcome mapped to a verdict.

This is the one place where exceptions become verdicts: :class:`CheckFailed` → fail,
:class:`CheckSkipped` → skip, a passed deadline → fail, anything unexpected → error (with its
type and message, never a traceback). A target that cannot be reached at all raises
:class:`TargetUnreachable` to the caller, which turns it into exit code 2.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import anyio

from harness.contract.context import CheckContext, Connector
from harness.contract.outcomes import NOT_FOR_STDIO, CheckFailed, CheckSkipped, Verdict
from harness.contract.registry import Check, select_checks
from harness.contract.results import CheckResult, ContractReport
from harness.contract.session import PROTOCOL_VERSIONS, ProtocolFailure
from harness.contract.settings import ContractSettings
from harness.contract.stdio_wire import StdioWire
from harness.contract.target import Target, TargetUnreachable

ResultCallback = Callable[[CheckResult], None]


def versions_from_option(value: str) -> list[str]:
    """``all`` → both versions; otherwise one known version (a ValueError names the choices)."""
    if value == "all":
        return list(PROTOCOL_VERSIONS)
    if value not in PROTOCOL_VERSIONS:
        raise ValueError(f"unknown protocol version {value!r}; choose {', '.join(PROTOCOL_VERSIONS)} or all")
    return [value]


async def run_check(check: Check, context: CheckContext) -> tuple[Verdict, str]:
    if context.target.kind not in check.transports:
        return Verdict.SKIP, NOT_FOR_STDIO
    try:
        with anyio.fail_after(context.settings.check_timeout_s):
            await check.run(context)
    except CheckFailed as failed:
        return Verdict.FAIL, str(failed)
    except CheckSkipped as skipped:
        return Verdict.SKIP, str(skipped)
    except TimeoutError:
        return (
            Verdict.FAIL,
            f"no conclusion within {context.settings.check_timeout_s:g} s (server too slow or hung)",
        )
    except TargetUnreachable as exc:
        return Verdict.FAIL, f"the server became unreachable during the check: {exc}"
    except ProtocolFailure as exc:
        return Verdict.ERROR, f"could not evaluate: {exc}"
    except Exception as exc:  # the boundary: every other failure is reported, never raised
        return Verdict.ERROR, f"{type(exc).__name__}: {exc}"
    return Verdict.PASS, "held"


async def run_contract(
    target: Target,
    versions: Sequence[str] = PROTOCOL_VERSIONS,
    settings: ContractSettings | None = None,
    only: Sequence[str] | None = None,
    on_result: ResultCallback | None = None,
) -> ContractReport:
    """Run the selected checks for each version; raises TargetUnreachable if nothing answers."""
    settings = settings or ContractSettings()
    checks = select_checks(only)
    report = ContractReport(target=target.label, transport=target.kind, versions=list(versions))
    started = time.perf_counter()
    for version in versions:
        async with Connector(target, version, settings) as connector:
            try:
                with anyio.fail_after(settings.request_timeout_s * 2):
                    session = await connector.shared_session()
                    await session.alive()
                    if isinstance(session.wire, StdioWire) and not session.wire.alive:
                        raise TargetUnreachable(f"{target.label} exited: {session.wire.exit_account()}")
            except TimeoutError as exc:
                raise TargetUnreachable(
                    f"{target.label}: no answer within {settings.request_timeout_s * 2:g} s"
                ) from exc
            tools_cache: dict[str, Any] = {}
            for check in checks:
                if version not in check.versions:
                    continue
                check_started = time.perf_counter()
                verdict, why = await run_check(check, CheckContext(connector, tools_cache))
                result = CheckResult(
                    check_id=check.id,
                    version=version,
                    title=check.title,
                    clause=check.clause,
                    severity=check.severity,
                    verdict=verdict,
                    why=why,
                    duration_s=time.perf_counter() - check_started,
                )
                report.results.append(result)
                if on_result is not None:
                    on_result(result)
    report.duration_s = time.perf_counter() - started
    return report
