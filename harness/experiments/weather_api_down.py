"""``weather-api-down``: when the third-party weather API is gone, callers are told so, clearly and fast.

Fault: the ``weather-api`` proxy (weather server → weather API) disabled: connections refused.
Property:

* ``get_weather`` for a place not in the cache answers ``isError`` naming the weather API, within the
  weather deadline (it is refused, not hung);
* the weather server's ``health`` says ``degraded`` and marks the ``weather-api`` backend not ok;
* after the proxy is re-enabled, uncached places are answered again and ``health`` is ``ok``.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from chaos.experiments import Experiment, ExperimentContext
from harness.experiments.deployment import DEFAULT_POLICY, ResiliencePolicy
from harness.experiments.polling import eventually
from harness.experiments.probe import CallOutcome, GatewayProbe
from harness.launch.inprocess import Deployment

NAME = "weather-api-down"
EDGE = "weather-api"
CALLS_DURING_FAULT = 3


def backend_status(outcome: CallOutcome, backend: str) -> dict[str, Any] | None:
    for status in (outcome.structured or {}).get("backends") or []:
        if isinstance(status, dict) and status.get("name") == backend:
            return status
    return None


def health_is(outcome: CallOutcome, status: str) -> bool:
    return outcome.ok and (outcome.structured or {}).get("status") == status


def build(deployment: Deployment, policy: ResiliencePolicy = DEFAULT_POLICY) -> Experiment:
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key, "the deployment has no gateway"
    probe = GatewayProbe(endpoints.gateway, endpoints.api_key, timeout_s=policy.weather_deadline_s + 10)
    places = random.Random(uuid.uuid4().int)  # every run asks for places no earlier run put in the cache

    def uncached_place() -> dict[str, float]:
        return {
            "latitude": round(places.uniform(-60, 60), 4),
            "longitude": round(places.uniform(-170, 170), 4),
        }

    async def get_weather() -> CallOutcome:
        return await probe.call("weather__get_weather", uncached_place())

    async def health() -> CallOutcome:
        return await probe.call("weather__health")

    async def hypothesis(ctx: ExperimentContext) -> None:
        polled = await eventually(health, lambda o: health_is(o, "ok"), within_s=policy.recovery_within_s)
        ctx.check(polled.satisfied, f"weather health is not ok: {polled.value.describe()}")
        answer = await get_weather()
        ctx.check(answer.ok, f"get_weather failed in the steady state: {answer.describe()}")
        ctx.check(
            not (answer.structured or {}).get("cached", False), "a fresh place was answered from the cache"
        )

    async def inject(ctx: ExperimentContext) -> None:
        await deployment.toxiproxy.disable_proxy(EDGE)

    async def observe(ctx: ExperimentContext) -> None:
        worst = 0.0
        for _ in range(CALLS_DURING_FAULT):
            answer = await get_weather()
            worst = max(worst, answer.latency_s)
            ctx.check(
                answer.http_status == 200 and answer.is_error and "weather API" in answer.text,
                f"get_weather with the weather API down did not say so: {answer.describe()}",
            )
            ctx.record("error_text", answer.text[:120])
        ctx.record("error_max_ms", worst * 1000)
        ctx.check(
            worst <= policy.weather_deadline_s,
            f"get_weather took {worst:.3f} s to report the dead API (deadline {policy.weather_deadline_s:g} s)",
        )
        report = await health()
        status = backend_status(report, "weather-api")
        ctx.record("health_during_fault", (report.structured or {}).get("status"))
        ctx.check(health_is(report, "degraded"), f"health did not say degraded: {report.describe()}")
        ctx.check(
            status is not None and status.get("ok") is False,
            f"health did not mark the weather-api backend down: {status}",
        )

    async def rollback(ctx: ExperimentContext) -> None:
        await deployment.toxiproxy.enable_proxy(EDGE)

    async def verify(ctx: ExperimentContext) -> None:
        polled = await eventually(get_weather, lambda o: o.ok, within_s=policy.recovery_within_s)
        ctx.record("recovery_s", polled.elapsed_s)
        ctx.check(polled.satisfied, f"get_weather did not recover: {polled.value.describe()}")
        report = await eventually(health, lambda o: health_is(o, "ok"), within_s=policy.recovery_within_s)
        ctx.check(report.satisfied, f"health did not return to ok: {report.value.describe()}")

    async def close_probe(ctx: ExperimentContext) -> None:
        await probe.aclose()

    return Experiment(
        name=NAME,
        description="weather API unreachable: get_weather for an uncached place is a clear isError naming "
        "the weather API; health says degraded; both recover",
        hypothesis=hypothesis,
        inject=inject,
        observe=observe,
        rollback=rollback,
        verify=verify,
        cleanup=close_probe,
    )
