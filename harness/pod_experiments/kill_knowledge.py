"""``pod-kill-knowledge``: the knowledge pod is killed; weather and wallet do not notice, knowledge fails fast.

Fault: SIGKILL to the knowledge server's process, kept down (restart policy Never) while observed, then
started again. Property:

* weather and wallet calls keep their p95 (within 20 % or the stated floor, see ``pod_support``);
* knowledge calls fail as ``isError`` results, and once the client's breaker is open they are rejected
  within ``fail_fast_s`` (``circuit_open``);
* after the pod is back, knowledge calls succeed again within ``recovery_within_s``.

The knowledge index is rebuilt from its seed documents at start, so nothing is lost that the calls need.
"""

from __future__ import annotations

import uuid

import anyio

from chaos.experiments import Experiment, ExperimentContext
from harness.launch.inprocess import Deployment
from harness.pod_experiments.support import (
    POD_POLICY,
    RESTART_LOSES,
    HeldDown,
    PodPolicy,
    check_kept,
    closing,
    latencies,
    pods_of,
)
from harness.scenario.gateway_probe import CallOutcome, GatewayProbe
from harness.scenario.polling import eventually

NAME = "pod-kill-knowledge"
POD = "knowledge"
KNOWLEDGE = ("knowledge__search", {"query": "how do I reset my password", "k": 3})
WEATHER = ("weather__get_weather", {"city": "Paris"})
WALLET = ("wallet__get_balance", {"account": "pod-kill-knowledge"})
MAX_CALLS = 12


def build(deployment: Deployment, policy: PodPolicy = POD_POLICY) -> Experiment:
    faults = pods_of(deployment)
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key, "the deployment has no gateway"
    probe = GatewayProbe(endpoints.gateway, endpoints.api_key, timeout_s=10)
    held: list[HeldDown] = []

    async def hypothesis(ctx: ExperimentContext) -> None:
        polled = await eventually(
            lambda: probe.call(*KNOWLEDGE), lambda o: o.ok, within_s=policy.recovery_within_s
        )
        ctx.check(polled.satisfied, f"knowledge is not healthy: {polled.value.describe()}")
        opened = await probe.call(
            "wallet__deposit", {**WALLET[1], "amount": 1, "idempotency_key": f"{NAME}-{uuid.uuid4().hex}"}
        )
        ctx.check(opened.ok, f"could not open the wallet account: {opened.describe()}")
        ctx.facts["weather"] = await latencies(ctx, probe, WEATHER, policy.samples)
        ctx.facts["wallet"] = await latencies(ctx, probe, WALLET, policy.samples)
        # a quiet breaker window, so "opens after min_calls failures" does not depend on earlier successes
        await anyio.sleep(2.1)

    async def inject(ctx: ExperimentContext) -> None:
        held.append(HeldDown(faults.pod(POD)))
        result = await faults.apply("kill", POD)
        ctx.record("killed_pid", result.pid)

    async def observe(ctx: ExperimentContext) -> None:
        rejected: list[CallOutcome] = []
        for _ in range(MAX_CALLS):
            outcome = await probe.call(*KNOWLEDGE)
            ctx.check(
                outcome.http_status == 200 and outcome.is_error,
                f"a call to the killed knowledge pod did not fail as isError: {outcome.describe()}",
            )
            if "circuit_open" in outcome.text:
                rejected.append(outcome)
                if len(rejected) >= 3:
                    break
        ctx.check(bool(rejected), f"no knowledge call was rejected by the breaker in {MAX_CALLS} calls")
        worst = max(o.latency_s for o in rejected)
        ctx.record("rejected_max_ms", worst * 1000)
        ctx.check(
            worst <= policy.fail_fast_s,
            f"a rejected knowledge call took {worst * 1000:.0f} ms; "
            f"failing fast means ≤ {policy.fail_fast_s * 1000:.0f} ms",
        )
        check_kept(
            ctx,
            "weather",
            ctx.facts["weather"],
            await latencies(ctx, probe, WEATHER, policy.samples),
            95,
            policy,
        )
        check_kept(
            ctx,
            "wallet",
            ctx.facts["wallet"],
            await latencies(ctx, probe, WALLET, policy.samples),
            95,
            policy,
        )

    async def rollback(ctx: ExperimentContext) -> None:
        for hold in held:
            await hold.release()
        held.clear()
        ctx.record("restart_loses", RESTART_LOSES)

    async def verify(ctx: ExperimentContext) -> None:
        polled = await eventually(
            lambda: probe.call(*KNOWLEDGE), lambda o: o.ok, within_s=policy.recovery_within_s
        )
        ctx.record("recovery_s", polled.elapsed_s)
        ctx.check(
            polled.satisfied,
            f"knowledge did not answer within {policy.recovery_within_s:g} s of its restart: {polled.value.describe()}",
        )

    return Experiment(
        name=NAME,
        description="knowledge pod killed: weather/wallet p95 kept, knowledge rejected fast by the breaker, "
        "recovers after the restart",
        hypothesis=hypothesis,
        inject=inject,
        observe=observe,
        rollback=rollback,
        verify=verify,
        cleanup=closing(probe),
    )
