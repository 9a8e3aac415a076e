"""The library of fault experiments CI runs against a deployment, one module per experiment.

Each module has ``NAME`` and ``build(deployment, policy) -> Experiment``. :func:`run_library` runs
them one after another (or those named), with every toxic removed, every proxy re-enabled and the fake
weather API's faults cleared before and after each, so no experiment inherits another's fault.
Launch the deployment with :func:`~harness.experiments.deployment.experiment_launch_options`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType

from chaos.experiments import Experiment, ExperimentResult, run_experiment
from harness.experiments import (
    gateway_blackhole,
    knowledge_bandwidth_slicer,
    knowledge_down,
    latency_client_weather,
    wallet_redis_faults,
    weather_api_down,
)
from harness.experiments.deployment import DEFAULT_POLICY, ResiliencePolicy, experiment_launch_options
from harness.launch.inprocess import Deployment

ExperimentBuilder = Callable[[Deployment, ResiliencePolicy], Experiment]

_MODULES: tuple[ModuleType, ...] = (
    latency_client_weather,
    weather_api_down,
    wallet_redis_faults,
    knowledge_bandwidth_slicer,
    knowledge_down,
    gateway_blackhole,
)
LIBRARY: dict[str, ExperimentBuilder] = {module.NAME: module.build for module in _MODULES}
DESCRIPTIONS: dict[str, str] = {module.NAME: module.__doc__ or "" for module in _MODULES}


class UnknownExperiment(ValueError):
    """Names that are not in the library (``unknown``), and the ones that are (``known``)."""

    def __init__(self, unknown: Sequence[str]) -> None:
        self.unknown = list(unknown)
        self.known = list(LIBRARY)
        super().__init__(f"unknown experiment(s) {', '.join(self.unknown)}; known: {', '.join(self.known)}")


def select(names: Sequence[str] | None = None) -> list[str]:
    """``names`` checked against the library, in library order; all of them when ``names`` is empty."""
    if not names:
        return list(LIBRARY)
    unknown = [name for name in names if name not in LIBRARY]
    if unknown:
        raise UnknownExperiment(unknown)
    return [name for name in LIBRARY if name in set(names)]


async def clear_faults(deployment: Deployment) -> None:
    """Remove every toxic, re-enable every proxy, clear the fake weather API's faults."""
    await deployment.toxiproxy.reset()
    if deployment.weather_api is not None:
        deployment.weather_api.faults.clear()


async def run_library(
    deployment: Deployment,
    names: Sequence[str] | None = None,
    policy: ResiliencePolicy = DEFAULT_POLICY,
) -> list[ExperimentResult]:
    """Run the library (or the named experiments) against ``deployment``; one result each, in order."""
    results = []
    for name in select(names):
        await clear_faults(deployment)
        try:
            results.append(await run_experiment(LIBRARY[name](deployment, policy)))
        finally:
            await clear_faults(deployment)
    return results


__all__ = [
    "DEFAULT_POLICY",
    "DESCRIPTIONS",
    "LIBRARY",
    "ResiliencePolicy",
    "UnknownExperiment",
    "clear_faults",
    "experiment_launch_options",
    "run_library",
    "select",
]
