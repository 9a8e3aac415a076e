"""Pod-fault experiments on the process runner: all hold on the reference deployment, and each FAILS when
the guard it relies on is removed (breaker, deadlines, restart policy) — proof that it measures something.

One deployment for the passing runs and one with all three guards removed (each experiment fails for its
own reason); the broken client restart runs last because it leaves the client down.
"""

from __future__ import annotations

import anyio
import pytest

from chaos.experiments import ExperimentResult, Phase, Verdict, run_experiment
from harness.launch.inprocess import Deployment
from harness.launch.process import ProcessOptions, launch_processes
from harness.launch.supervisor import RestartPolicy
from harness.pod_experiments import POD_LIBRARY, freeze_wallet, kill_client, kill_knowledge
from harness.pod_experiments.support import POD_POLICY, PodPolicy, pod_launch_options


async def run(deployment: Deployment, name: str, policy: PodPolicy = POD_POLICY) -> ExperimentResult:
    with anyio.fail_after(60):
        return await run_experiment(POD_LIBRARY[name](deployment, policy))


@pytest.mark.slow
@pytest.mark.anyio
async def test_pod_experiments_hold_on_the_process_runner() -> None:
    async with launch_processes(pod_launch_options()) as deployment:
        for name in (kill_knowledge.NAME, freeze_wallet.NAME, kill_client.NAME):
            result = await run(deployment, name)
            assert result.verdict is Verdict.PASS, result.as_json()
            assert result.rolled_back
            if name != freeze_wallet.NAME:  # the report says what a restart loses
                assert "embedded Mongo" in str(result.measurements["restart_loses"])
        assert deployment.supervisor is not None
        assert deployment.supervisor.pod("client").restarts == 1  # restarted by the supervisor alone
        assert deployment.supervisor.pod("knowledge").restarts == 0  # restarted explicitly, not by policy


@pytest.mark.slow
@pytest.mark.anyio
async def test_pod_experiments_fail_when_their_guards_are_removed() -> None:
    options = pod_launch_options()
    options.upstream_overrides["knowledge"]["breaker"]["min_calls"] = 1000  # the breaker never opens
    options.upstream_overrides["wallet"]["call_timeout_s"] = 30.0  # no wallet deadline …
    options.gateway_overrides["upstream_timeout_s"] = 30.0  # … and none at the gateway either
    popts = ProcessOptions(restart_policies={"client": RestartPolicy.NEVER})  # nobody restarts the client
    async with launch_processes(options, popts) as deployment:
        result = await run(deployment, kill_knowledge.NAME)
        assert result.verdict is Verdict.FAIL and result.phase is Phase.OBSERVE, result.as_json()
        assert "rejected by the breaker" in (result.reason or "")

        result = await run(deployment, freeze_wallet.NAME)
        assert result.verdict is Verdict.FAIL and result.phase is Phase.OBSERVE, result.as_json()
        assert "waited" in (result.reason or "") and "on the frozen wallet" in (result.reason or "")
        assert result.rolled_back  # thawed

        # a shorter recovery bound keeps this test short: a client that is never restarted misses any bound
        result = await run(deployment, kill_client.NAME, PodPolicy(recovery_within_s=5.0))
        assert result.verdict is Verdict.FAIL and result.phase is Phase.VERIFY, result.as_json()
        assert "did not resume" in (result.reason or "")
