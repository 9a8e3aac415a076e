"""Suite ``contract``: the contract suite against each reference server (stdio) and the gateway (HTTP).

Every MUST must hold in both protocol versions; SHOULD findings are reported but do not fail the job.
"""

from __future__ import annotations

import sys
from functools import partial
from typing import Any

from harness.contract.runner import run_contract
from harness.contract.target import Target
from harness.launch.inprocess import Deployment
from harness.mainjob.outcomes import timed_outcome
from harness.report import Outcome
from harness.topology import SERVER_NAMES

SUITE = "contract"


async def contract_of(target: Target) -> tuple[str, dict[str, Any]]:
    report = await run_contract(target)
    broken = [r for r in report.results if r.breaks_run]
    findings = [r for r in report.findings() if not r.breaks_run]
    counts = report.counts()
    summary = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    detail = f"{summary} in {report.duration_s:.1f} s"
    if findings:
        detail += "; SHOULD findings: " + "; ".join(f"{r.name}: {r.why[:120]}" for r in findings[:5])
    assert not broken, "MUST broken: " + "; ".join(f"{r.name}: {r.why[:200]}" for r in broken[:5])
    return detail, {"counts": counts, "duration_s": report.duration_s}


async def run_suite(deployment: Deployment) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for name in SERVER_NAMES:
        target = Target.stdio([sys.executable, "-m", "harness.cli", "serve", name, "--transport", "stdio"])
        outcomes.append(
            await timed_outcome(SUITE, f"{name} server (stdio)", partial(contract_of, target), 180)
        )
    endpoints = deployment.endpoints
    if endpoints.gateway and endpoints.api_key:
        target = Target.http(
            endpoints.gateway, extra_headers={"Authorization": f"Bearer {endpoints.api_key}"}
        )
        outcomes.append(
            await timed_outcome(SUITE, "gateway (HTTP, API key)", lambda: contract_of(target), 240)
        )
    return outcomes
