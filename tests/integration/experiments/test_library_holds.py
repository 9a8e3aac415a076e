"""Every experiment of the library holds against the reference deployment, and always rolls back.

One deployment is launched for the module (launching costs about a second); experiments run one at a
time with faults cleared in between, exactly as ``run_library`` and ``mcp-harness chaos`` run them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import anyio
import pytest

from chaos.experiments import ExperimentContext, Phase, Verdict, run_experiment
from harness.experiments import LIBRARY, UnknownExperiment, clear_faults, run_library, select
from harness.experiments.deployment import DEFAULT_POLICY, experiment_launch_options
from harness.launch.inprocess import Deployment, launch


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def deployment(anyio_backend: str) -> AsyncIterator[Deployment]:
    async with launch(experiment_launch_options()) as running:
        yield running


async def assert_no_fault_left(deployment: Deployment) -> None:
    proxies = await deployment.toxiproxy.list_proxies()
    assert set(proxies) >= {
        "gateway-client",
        "client-weather",
        "client-knowledge",
        "weather-api",
        "wallet-redis",
    }
    for name in proxies:
        assert await deployment.toxiproxy.list_toxics(name) == [], f"toxics left on {name}"
        assert proxies[name].enabled, f"proxy {name} left disabled"


@pytest.mark.anyio
@pytest.mark.parametrize("name", list(LIBRARY))
async def test_the_experiment_holds(deployment: Deployment, name: str) -> None:
    with anyio.fail_after(90):
        (result,) = await run_library(deployment, [name])
    assert result.verdict is Verdict.PASS, result.as_json()
    assert result.injected and result.rolled_back
    assert result.measurements
    await assert_no_fault_left(deployment)


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["latency-client-weather", "knowledge-down"])
async def test_rollback_happens_even_when_verify_crashes(deployment: Deployment, name: str) -> None:
    async def crash(ctx: ExperimentContext) -> None:
        raise RuntimeError("verify blew up")

    experiment = dataclasses.replace(LIBRARY[name](deployment, DEFAULT_POLICY), verify=crash)
    await clear_faults(deployment)
    with anyio.fail_after(60):
        result = await run_experiment(experiment)  # no clear_faults afterwards: rollback alone must do it
    assert result.verdict is Verdict.ERROR and result.phase is Phase.VERIFY
    assert result.reason == "verify step crashed: RuntimeError: verify blew up"
    assert result.rolled_back
    await assert_no_fault_left(deployment)


@pytest.mark.anyio
async def test_rollback_happens_when_observe_crashes_mid_fault(deployment: Deployment) -> None:
    async def crash(ctx: ExperimentContext) -> None:
        proxies = await deployment.toxiproxy.list_proxies()
        assert not proxies["weather-api"].enabled  # the fault is in place when observe crashes
        raise RuntimeError("observer lost")

    experiment = dataclasses.replace(LIBRARY["weather-api-down"](deployment, DEFAULT_POLICY), observe=crash)
    await clear_faults(deployment)
    with anyio.fail_after(60):
        result = await run_experiment(experiment)
    assert result.verdict is Verdict.ERROR and result.phase is Phase.OBSERVE
    await assert_no_fault_left(deployment)


def test_selection_keeps_library_order_and_refuses_unknown_names() -> None:
    assert select([]) == list(LIBRARY)
    assert select(["gateway-blackhole", "latency-client-weather"]) == [
        "latency-client-weather",
        "gateway-blackhole",
    ]
    with pytest.raises(UnknownExperiment) as caught:
        select(["knowledge-down", "no-such-thing"])
    assert caught.value.unknown == ["no-such-thing"]
    assert "known: latency-client-weather" in str(caught.value)
