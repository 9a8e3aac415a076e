"""``gateway-blackhole``: when the client swallows requests, the gateway answers 504 at its deadline.

Fault: a ``timeout`` toxic with ``timeout: 0`` (a black hole: data is dropped, the connection stays
open) on the gateway→client edge, in both directions. Property:

* every call through the gateway gets HTTP 504 ``upstream_timeout`` within the gateway's deadline
  (``[deadline − early, deadline + late]``) — callers are never left hanging;
* after the toxic is removed (which closes the black-holed connections), calls succeed again.
"""

from __future__ import annotations

import anyio

from chaos.experiments import Experiment, ExperimentContext
from harness.experiments.deployment import DEFAULT_POLICY, ResiliencePolicy
from harness.experiments.polling import eventually
from harness.experiments.probe import CallOutcome, GatewayProbe
from harness.launch.inprocess import Deployment

NAME = "gateway-blackhole"
EDGE = "gateway-client"
TOXICS = {"upstream": "experiment-blackhole-up", "downstream": "experiment-blackhole-down"}
CONCURRENT_CALLS = 3
CALL = ("client__find_tools", {"query": "weather in Paris", "limit": 3})  # served by the client alone


def build(deployment: Deployment, policy: ResiliencePolicy = DEFAULT_POLICY) -> Experiment:
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key, "the deployment has no gateway"
    deadline = policy.gateway_deadline_s
    low, high = deadline - policy.deadline_early_s, deadline + policy.deadline_late_s
    # our own patience: long enough to see a late 504, short enough not to wait for a broken gateway
    probe = GatewayProbe(endpoints.gateway, endpoints.api_key, timeout_s=high + 1.5)

    async def hypothesis(ctx: ExperimentContext) -> None:
        polled = await eventually(
            lambda: probe.call(*CALL), lambda o: o.ok, within_s=policy.recovery_within_s
        )
        ctx.check(polled.satisfied, f"calls through the gateway fail: {polled.value.describe()}")
        ctx.record("steady_ms", polled.value.latency_s * 1000)

    async def inject(ctx: ExperimentContext) -> None:
        for stream, name in TOXICS.items():
            await deployment.toxiproxy.add_toxic(
                EDGE, "timeout", name=name, stream=stream, attributes={"timeout": 0}
            )

    async def observe(ctx: ExperimentContext) -> None:
        outcomes: list[CallOutcome] = []

        async def one() -> None:
            outcomes.append(await probe.call(*CALL))

        async with anyio.create_task_group() as tg:
            for _ in range(CONCURRENT_CALLS):
                tg.start_soon(one)
        ctx.record("answer_min_ms", min(o.latency_s for o in outcomes) * 1000)
        ctx.record("answer_max_ms", max(o.latency_s for o in outcomes) * 1000)
        ctx.record("statuses", ",".join(str(o.http_status) for o in outcomes))
        for outcome in outcomes:
            ctx.check(
                outcome.http_status == 504 and "upstream_timeout" in outcome.text,
                f"expected 504 upstream_timeout from the gateway, got {outcome.describe()}",
            )
            ctx.check(
                low <= outcome.latency_s <= high,
                f"the gateway answered after {outcome.latency_s:.3f} s, outside its deadline {deadline:g} s "
                f"(accepted {low:.2f}..{high:.2f} s)",
            )

    async def rollback(ctx: ExperimentContext) -> None:
        for name in TOXICS.values():
            await deployment.toxiproxy.remove_toxic(EDGE, name)

    async def verify(ctx: ExperimentContext) -> None:
        polled = await eventually(
            lambda: probe.call(*CALL), lambda o: o.ok, within_s=policy.recovery_within_s
        )
        ctx.record("recovery_s", polled.elapsed_s)
        ctx.check(polled.satisfied, f"the gateway did not recover: {polled.value.describe()}")

    async def close_probe(ctx: ExperimentContext) -> None:
        await probe.aclose()

    return Experiment(
        name=NAME,
        description="black hole on gateway→client: the gateway answers 504 within its deadline",
        hypothesis=hypothesis,
        inject=inject,
        observe=observe,
        rollback=rollback,
        verify=verify,
        cleanup=close_probe,
    )
