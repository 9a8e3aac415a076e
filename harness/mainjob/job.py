"""Running the suites of the main job in order, each bounded, on one launched deployment."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from harness.launch.inprocess import Deployment, LaunchOptions, launch
from harness.report import Outcome, RunReport
from harness.topology import reference_topology

SUITES: tuple[str, ...] = ("deployment", "wallet", "retrieval", "contract", "chaos")


@dataclass
class MainJobOptions:
    suites: Sequence[str] = SUITES
    seed: int = 20261125
    transfers: int = 100


def main_job_launch_options(seed: int) -> LaunchOptions:
    """The reference deployment with every edge proxied and mTLS; rate limits out of the way of the job."""
    from chaos.settings import ChaosSettings

    return LaunchOptions(
        topology=reference_topology(proxied=True, redis_socket=True),
        proxy_seed=seed,
        toxiproxy_url=ChaosSettings().toxiproxy_url,
        gateway_overrides={"rate_limit": "100000/minute"},
    )


async def run_deployment_suites(
    options: MainJobOptions, deployment: Deployment, on_outcome: Callable[[Outcome], Any]
) -> list[Outcome]:
    from harness.mainjob import contract_suite, deployment_suite, retrieval_suite, wallet_suite

    outcomes: list[Outcome] = []
    runners = {
        "deployment": lambda: deployment_suite.run_suite(deployment),
        "wallet": lambda: wallet_suite.run_suite(deployment, options.transfers, options.seed),
        "retrieval": lambda: retrieval_suite.run_suite(deployment),
        "contract": lambda: contract_suite.run_suite(deployment),
    }
    for name, runner in runners.items():
        if name in options.suites:
            for outcome in await runner():
                on_outcome(outcome)
                outcomes.append(outcome)
    return outcomes


async def run_main_job(
    options: MainJobOptions, on_outcome: Callable[[Outcome], Any] = lambda _: None
) -> RunReport:
    unknown = sorted(set(options.suites) - set(SUITES))
    if unknown:
        raise ValueError(f"unknown suites {unknown}; choose from {', '.join(SUITES)}")
    report = RunReport(title="mcp-harness main job")
    started = time.perf_counter()
    if set(options.suites) - {"chaos"}:
        launched = time.perf_counter()
        try:
            async with launch(main_job_launch_options(options.seed)) as deployment:
                up = Outcome(
                    "deployment", "launch", "pass", launch_detail(deployment), time.perf_counter() - launched
                )
                on_outcome(up)
                report.outcomes.append(up)
                report.outcomes += await run_deployment_suites(options, deployment, on_outcome)
        except Exception as exc:  # a deployment that does not start is a reported error, not a traceback
            failed = Outcome("deployment", "launch", "error", f"{type(exc).__name__}: {exc}")
            on_outcome(failed)
            report.outcomes.append(failed)
    if "chaos" in options.suites:
        from harness.mainjob import chaos_suite

        try:
            for outcome in await chaos_suite.run_suite(options.seed):
                on_outcome(outcome)
                report.outcomes.append(outcome)
        except Exception as exc:
            failed = Outcome("chaos", "experiments", "error", f"{type(exc).__name__}: {exc}")
            on_outcome(failed)
            report.outcomes.append(failed)
    report.duration_s = time.perf_counter() - started
    return report


def launch_detail(deployment: Deployment) -> str:
    e = deployment.endpoints
    return f"gateway {e.gateway}, {len(e.servers)} servers over mTLS, {len(e.proxies)} proxied edges"
