"""Each experiment FAILS when the property it guards is broken — proof that it measures something.

Every test launches the experiments' deployment with one setting broken (the policy the experiment
checks stays the default) and expects verdict ``fail`` with a reason that names the broken property.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from chaos.experiments import Experiment, ExperimentResult, Phase, Verdict, run_experiment
from harness.experiments import (
    LIBRARY,
    gateway_blackhole,
    knowledge_bandwidth_slicer,
    knowledge_down,
    latency_client_weather,
    wallet_redis_faults,
    weather_api_down,
)
from harness.experiments.deployment import DEFAULT_POLICY, experiment_launch_options
from harness.fakes.redis_server import free_port
from harness.launch.inprocess import Deployment, LaunchOptions, launch


async def run_against(
    options: LaunchOptions, build: Callable[[Deployment], Experiment] | str, within_s: float = 60
) -> ExperimentResult:
    async with launch(options) as deployment:
        experiment = (
            LIBRARY[build](deployment, DEFAULT_POLICY) if isinstance(build, str) else build(deployment)
        )
        with anyio.fail_after(within_s):
            result = await run_experiment(experiment)
        for name in await deployment.toxiproxy.list_proxies():  # even a failing experiment rolls back
            assert await deployment.toxiproxy.list_toxics(name) == []
    return result


def assert_fails(result: ExperimentResult, *fragments: str) -> None:
    assert result.verdict is Verdict.FAIL, result.as_json()
    assert result.reason is not None
    assert any(fragment in result.reason for fragment in fragments), result.reason
    assert result.rolled_back


@pytest.mark.anyio
async def test_latency_experiment_fails_when_the_weather_deadline_outlasts_the_latency() -> None:
    options = experiment_launch_options()
    options.upstream_overrides["weather"]["call_timeout_s"] = 5.0
    result = await run_against(options, latency_client_weather.NAME)
    assert_fails(result, "did not end with a clear upstream_timeout", "outside the deadline")
    assert result.phase is Phase.OBSERVE


@pytest.mark.anyio
async def test_weather_api_experiment_fails_when_the_server_does_not_feel_the_outage() -> None:
    options = experiment_launch_options()
    port = free_port()  # the weather server wired around the proxy: disabling it changes nothing
    options.topology.service("weather-api").port = port
    options.server_overrides["weather"] = {
        "api_url": f"http://127.0.0.1:{port}",
        "geocoding_url": f"http://127.0.0.1:{port}",
    }
    result = await run_against(options, weather_api_down.NAME)
    assert_fails(result, "did not say so")


@pytest.mark.anyio
async def test_wallet_experiment_detects_duplicates_when_retries_ignore_idempotency() -> None:
    result = await run_against(
        experiment_launch_options(),
        lambda d: wallet_redis_faults.build(d, DEFAULT_POLICY, retry_keys="fresh"),
        within_s=120,
    )
    assert_fails(result, "duplicated money movements")
    assert int(result.measurements["ledger_new_transfers"] or 0) > wallet_redis_faults.TRANSFERS
    assert result.measurements["audit_ok"] is True  # distinct keys: only the model catches it


@pytest.mark.anyio
async def test_bandwidth_experiment_fails_when_the_deadline_cannot_cover_the_transfer() -> None:
    options = experiment_launch_options()
    options.upstream_overrides["knowledge"]["tool_timeouts_s"] = {"search": 0.15}
    result = await run_against(options, knowledge_bandwidth_slicer.NAME)
    assert_fails(result, "no large result arrived")
    assert result.measurements["intact_during_fault"] == 0


@pytest.mark.anyio
async def test_knowledge_down_experiment_fails_without_a_working_breaker() -> None:
    options = experiment_launch_options()
    options.upstream_overrides["knowledge"]["breaker"]["min_calls"] = 1000
    result = await run_against(options, knowledge_down.NAME)
    assert_fails(result, "no call was rejected by the breaker")


@pytest.mark.anyio
async def test_blackhole_experiment_fails_when_the_gateway_waits_too_long() -> None:
    options = experiment_launch_options()
    options.gateway_overrides["upstream_timeout_s"] = 6.0
    result = await run_against(options, gateway_blackhole.NAME)
    assert_fails(result, "expected 504 upstream_timeout")
