"""Suite ``chaos``: the fault-injection experiments library, on its own deployment (short deadlines)."""

from __future__ import annotations

from harness.report import Outcome

SUITE = "chaos"


async def run_suite() -> list[Outcome]:
    from harness.experiments import run_library
    from harness.experiments.deployment import experiment_launch_options
    from harness.launch.inprocess import launch

    outcomes: list[Outcome] = []
    async with launch(experiment_launch_options()) as deployment:
        for result in await run_library(deployment):
            outcomes.append(
                Outcome(
                    SUITE,
                    result.name,
                    result.verdict,
                    result.why or result.summary,
                    result.duration_s,
                    dict(result.measurements),
                )
            )
    return outcomes
