"""``pod-kill-client``: the client pod is killed; the gateway answers 502/503 at once, service resumes by itself.

Fault: SIGKILL to the client's process; the supervisor restarts it under its restart policy (Always),
as a Deployment would. Property:

* while the client is down, calls through the gateway get HTTP 502 or 503 within ``fail_fast_s`` — no
  hanging connections, no timeouts;
* without anyone intervening, calls succeed again within ``recovery_within_s`` (the supervisor's restart,
  readiness, and the gateway reconnecting). The restarted client starts with fresh sessions and breakers.
"""

from __future__ import annotations

from chaos.experiments import Experiment, ExperimentContext
from harness.launch.inprocess import Deployment
from harness.pod_experiments.support import POD_POLICY, RESTART_LOSES, PodPolicy, closing, pods_of
from harness.scenario.gateway_probe import CallOutcome, GatewayProbe
from harness.scenario.polling import eventually

NAME = "pod-kill-client"
POD = "client"
CALL = ("weather__get_weather", {"city": "Paris"})
CALLS_WHILE_DOWN = 3


def build(deployment: Deployment, policy: PodPolicy = POD_POLICY) -> Experiment:
    faults = pods_of(deployment)
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key, "the deployment has no gateway"
    probe = GatewayProbe(endpoints.gateway, endpoints.api_key, timeout_s=10)

    async def hypothesis(ctx: ExperimentContext) -> None:
        polled = await eventually(
            lambda: probe.call(*CALL), lambda o: o.ok, within_s=policy.recovery_within_s
        )
        ctx.check(polled.satisfied, f"the deployment is not healthy: {polled.value.describe()}")

    async def inject(ctx: ExperimentContext) -> None:
        result = await faults.apply("kill", POD)
        ctx.record("killed_pid", result.pid)

    async def observe(ctx: ExperimentContext) -> None:
        down: list[CallOutcome] = [await probe.call(*CALL) for _ in range(CALLS_WHILE_DOWN)]
        statuses = [o.http_status for o in down]
        ctx.record("statuses_while_down", ",".join(str(s) for s in statuses))
        ctx.check(
            all(s in (502, 503) for s in statuses),
            f"the gateway did not answer 502/503 while the client was down: {[o.describe() for o in down]}",
        )
        worst = max(o.latency_s for o in down)
        ctx.record("down_call_max_ms", worst * 1000)
        ctx.check(
            worst <= policy.fail_fast_s,
            f"a 502/503 took {worst * 1000:.0f} ms, not ≤ {policy.fail_fast_s * 1000:.0f} ms",
        )

    async def rollback(ctx: ExperimentContext) -> None:
        ctx.record("restart_loses", RESTART_LOSES)  # nothing to undo: the restart is the supervisor's job

    async def verify(ctx: ExperimentContext) -> None:
        polled = await eventually(
            lambda: probe.call(*CALL), lambda o: o.ok, within_s=policy.recovery_within_s
        )
        ctx.record("recovery_s", polled.elapsed_s)
        ctx.record("client_restarts", faults.pod(POD).restarts)
        ctx.check(
            polled.satisfied,
            f"service did not resume within {policy.recovery_within_s:g} s of the kill: {polled.value.describe()}",
        )

    return Experiment(
        name=NAME,
        description="client pod killed: gateway answers 502/503 at once; the supervisor's restart resumes service",
        hypothesis=hypothesis,
        inject=inject,
        observe=observe,
        rollback=rollback,
        verify=verify,
        cleanup=closing(probe),
    )
