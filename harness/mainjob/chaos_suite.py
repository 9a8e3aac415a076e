"""Suite ``chaos``: the fault-injection experiments library, on its own deployment (short deadlines)."""

from __future__ import annotations

from typing import cast

from harness.report import Outcome, Verdict

SUITE = "chaos"


async def run_suite(seed: int) -> list[Outcome]:
    from chaos.settings import ChaosSettings
    from harness.experiments import run_library
    from harness.experiments.deployment import experiment_launch_options
    from harness.launch.inprocess import launch

    options = experiment_launch_options(proxy_seed=seed, toxiproxy_url=ChaosSettings().toxiproxy_url)
    async with launch(options) as deployment:
        results = await run_library(deployment)
    outcomes = []
    for result in results:
        measured = ", ".join(f"{k}={v}" for k, v in list(result.measurements.items())[:6])
        detail = result.reason or f"held; {measured}"
        verdict = cast(Verdict, result.verdict.value)
        outcomes.append(
            Outcome(SUITE, result.name, verdict, detail, result.duration_s, dict(result.measurements))
        )
    return outcomes
