"""``latency-client-weather``: a slow weather server costs its callers the deadline, and nobody else.

Fault: a latency toxic (``2.5 × the weather deadline``, at least 2.5 s) on the responses of the
client→weather edge. Property:

* every weather call ends at the weather deadline (within ``[deadline − early, deadline + late]``)
  with a clear ``upstream_timeout`` error;
* wallet and knowledge calls, made at the same time, keep their p95:
  ``p95(fault) ≤ max(ratio × p95(steady), p95(steady) + slack)`` (3× or +100 ms by default);
* after the toxic is removed, weather calls succeed again within the recovery bound.
"""

from __future__ import annotations

import uuid
from typing import Any

import anyio

from chaos.experiments import Experiment, ExperimentContext
from harness.experiments.deployment import DEFAULT_POLICY, ResiliencePolicy
from harness.experiments.polling import eventually
from harness.experiments.probe import CallOutcome, GatewayProbe, percentile
from harness.launch.inprocess import Deployment

NAME = "latency-client-weather"
EDGE = "client-weather"
TOXIC = "experiment-latency"
WEATHER_CALL = ("weather__get_weather", {"city": "Paris"})
SAMPLES_PER_PATH = 20
WEATHER_CALLS_DURING_FAULT = 3


def build(deployment: Deployment, policy: ResiliencePolicy = DEFAULT_POLICY) -> Experiment:
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key, "the deployment has no gateway"
    probe = GatewayProbe(endpoints.gateway, endpoints.api_key, timeout_s=policy.weather_deadline_s + 10)
    account = f"latency-{uuid.uuid4().hex[:8]}"
    latency_ms = int(max(2500, 2500 * policy.weather_deadline_s))
    other_paths: dict[str, tuple[str, dict[str, Any]]] = {
        "wallet": ("wallet__get_balance", {"account": account}),
        "knowledge": ("knowledge__search", {"query": "how are refunds handled", "k": 3}),
    }

    async def sample_others() -> dict[str, list[CallOutcome]]:
        outcomes: dict[str, list[CallOutcome]] = {name: [] for name in other_paths}

        async def sample(name: str) -> None:
            tool, arguments = other_paths[name]
            for _ in range(SAMPLES_PER_PATH):
                outcomes[name].append(await probe.call(tool, arguments))

        async with anyio.create_task_group() as tg:
            for name in other_paths:
                tg.start_soon(sample, name)
        return outcomes

    async def weather_calls(n: int, out: list[CallOutcome]) -> None:
        for _ in range(n):
            out.append(await probe.call(*WEATHER_CALL, timeout_s=policy.weather_deadline_s + 5))

    async def measure(ctx: ExperimentContext, phase: str, weather_n: int) -> list[CallOutcome]:
        weather: list[CallOutcome] = []
        others: dict[str, list[CallOutcome]] = {}

        async def run_others() -> None:
            others.update(await sample_others())

        async with anyio.create_task_group() as tg:
            tg.start_soon(run_others)
            tg.start_soon(weather_calls, weather_n, weather)
        for name, outcomes in others.items():
            failed = [o for o in outcomes if not o.ok]
            ctx.check(
                not failed, f"{name} calls failed during {phase}: {failed[0].describe() if failed else ''}"
            )
            p95 = percentile([o.latency_s for o in outcomes], 95)
            ctx.record(f"{name}_p95_{phase}_ms", p95 * 1000)
            ctx.facts[f"{name}_p95_{phase}"] = p95
        return weather

    async def hypothesis(ctx: ExperimentContext) -> None:
        seeded = await probe.call(
            "wallet__deposit", {"account": account, "amount": 100, "idempotency_key": f"{account}-seed"}
        )
        ctx.check(seeded.ok, f"could not seed the wallet account: {seeded.describe()}")
        weather = await measure(ctx, "steady", 2)
        bad = [o for o in weather if not o.ok]
        ctx.check(not bad, f"weather failed in the steady state: {bad[0].describe() if bad else ''}")
        ctx.record("weather_steady_ms", max(o.latency_s for o in weather) * 1000)

    async def inject(ctx: ExperimentContext) -> None:
        ctx.record("toxic_latency_ms", latency_ms)
        await deployment.toxiproxy.add_toxic(
            EDGE, "latency", name=TOXIC, stream="downstream", attributes={"latency": latency_ms}
        )

    async def observe(ctx: ExperimentContext) -> None:
        weather = await measure(ctx, "fault", WEATHER_CALLS_DURING_FAULT)
        deadline = policy.weather_deadline_s
        low, high = deadline - policy.deadline_early_s, deadline + policy.deadline_late_s
        ctx.record("weather_fault_min_ms", min(o.latency_s for o in weather) * 1000)
        ctx.record("weather_fault_max_ms", max(o.latency_s for o in weather) * 1000)
        for outcome in weather:
            ctx.check(
                outcome.http_status == 200 and outcome.is_error and "upstream_timeout" in outcome.text,
                f"a weather call under {latency_ms} ms latency did not end with a clear upstream_timeout "
                f"error: {outcome.describe()}",
            )
            ctx.check(
                low <= outcome.latency_s <= high,
                f"a weather call ended after {outcome.latency_s:.3f} s, outside the deadline "
                f"{deadline:g} s (accepted {low:.2f}..{high:.2f} s)",
            )
        for name in other_paths:
            steady, fault = ctx.facts[f"{name}_p95_steady"], ctx.facts[f"{name}_p95_fault"]
            bound = max(policy.isolation_p95_ratio * steady, steady + policy.isolation_p95_slack_s)
            ctx.record(f"{name}_p95_bound_ms", bound * 1000)
            ctx.check(
                fault <= bound,
                f"{name} p95 rose from {steady * 1000:.0f} ms to {fault * 1000:.0f} ms while weather was "
                f"slow (bound {bound * 1000:.0f} ms): the fault leaked across upstreams",
            )

    async def rollback(ctx: ExperimentContext) -> None:
        await deployment.toxiproxy.remove_toxic(EDGE, TOXIC)

    async def verify(ctx: ExperimentContext) -> None:
        polled = await eventually(
            lambda: probe.call(*WEATHER_CALL), lambda o: o.ok, within_s=policy.recovery_within_s
        )
        ctx.record("weather_recovery_s", polled.elapsed_s)
        ctx.check(polled.satisfied, f"weather did not recover after the toxic: {polled.value.describe()}")

    async def close_probe(ctx: ExperimentContext) -> None:
        await probe.aclose()

    return Experiment(
        name=NAME,
        description="latency ≫ weather deadline on client→weather: weather times out at its deadline; "
        "wallet and knowledge p95 unchanged",
        hypothesis=hypothesis,
        inject=inject,
        observe=observe,
        rollback=rollback,
        verify=verify,
        cleanup=close_probe,
    )
