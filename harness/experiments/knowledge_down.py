"""``knowledge-down``: the client's circuit breaker opens on a dead knowledge server, fails fast, recovers.

Fault: the ``client-knowledge`` proxy disabled (the server is unreachable). Property:

* after one breaker window without knowledge traffic (so no earlier success dilutes the failure
  rate), the breaker opens within the configured number of failed calls (``min_calls``): a later call is
  rejected with ``circuit_open`` and ``/metrics`` shows the knowledge breaker open (1);
* rejected calls fail fast: at most ``fail_fast_fraction`` × the knowledge deadline;
* after the proxy is re-enabled, the half-open probe succeeds and the breaker closes: calls succeed
  and ``/metrics`` shows the breaker closed (0), within the recovery bound.
"""

from __future__ import annotations

import anyio

from chaos.experiments import Experiment, ExperimentContext
from harness.experiments.deployment import DEFAULT_POLICY, ResiliencePolicy
from harness.experiments.polling import eventually
from harness.experiments.probe import CallOutcome, GatewayProbe, metric_value
from harness.launch.inprocess import Deployment

NAME = "knowledge-down"
EDGE = "client-knowledge"
CALL = ("knowledge__search", {"query": "how do I reset my password", "k": 3})
BREAKER_METRIC = "mcph_client_breaker_state"
EXTRA_CALLS = 4  # calls beyond min_calls while waiting for the breaker (one for rounding, the rest slack)


def build(deployment: Deployment, policy: ResiliencePolicy = DEFAULT_POLICY) -> Experiment:
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key, "the deployment has no gateway"
    probe = GatewayProbe(endpoints.gateway, endpoints.api_key, timeout_s=policy.knowledge_deadline_s + 10)

    async def breaker_state() -> float | None:
        response = await probe.get("/metrics")
        if response.status_code != 200:
            return None
        return metric_value(response.text, BREAKER_METRIC, {"upstream": "knowledge"})

    async def call() -> CallOutcome:
        return await probe.call(*CALL)

    async def hypothesis(ctx: ExperimentContext) -> None:
        async def steady() -> tuple[CallOutcome, float | None]:
            return await call(), await breaker_state()

        polled = await eventually(steady, lambda v: v[0].ok and v[1] == 0, within_s=policy.recovery_within_s)
        outcome, state = polled.value
        ctx.check(polled.satisfied, f"knowledge is not healthy: {outcome.describe()}, breaker state {state}")
        # The breaker counts failures against the successes of its sliding window: wait one window
        # with no knowledge traffic so "opens after min_calls failures" is exact, not load-dependent.
        await anyio.sleep(policy.breaker_window_s + 0.1)

    async def inject(ctx: ExperimentContext) -> None:
        await deployment.toxiproxy.disable_proxy(EDGE)

    async def observe(ctx: ExperimentContext) -> None:
        failures: list[CallOutcome] = []
        rejected: list[CallOutcome] = []
        for _ in range(policy.breaker_min_calls + EXTRA_CALLS):
            outcome = await call()
            ctx.check(
                outcome.http_status == 200 and outcome.is_error,
                f"a call to the dead knowledge server did not fail as isError: {outcome.describe()}",
            )
            if "circuit_open" in outcome.text:
                rejected.append(outcome)
                if len(rejected) >= 3:
                    break
            elif not rejected:  # (a failed half-open probe after open_s is not counted)
                failures.append(outcome)
        ctx.record("failures_before_open", len(failures))
        ctx.record("failure_max_ms", max((o.latency_s for o in failures), default=0.0) * 1000)
        ctx.check(
            bool(rejected),
            f"no call was rejected by the breaker after {len(failures)} failures "
            f"(min_calls {policy.breaker_min_calls}): last error {failures[-1].text[:120] if failures else ''}",
        )
        ctx.check(
            len(failures) <= policy.breaker_min_calls,
            f"the breaker opened only after {len(failures)} failures (min_calls {policy.breaker_min_calls})",
        )
        state = await breaker_state()
        ctx.record("breaker_state_during_fault", state)
        worst = max(o.latency_s for o in rejected)
        ctx.record("rejected_max_ms", worst * 1000)
        bound = policy.fail_fast_fraction * policy.knowledge_deadline_s
        ctx.check(
            worst <= bound,
            f"a rejected call took {worst * 1000:.0f} ms; failing fast means ≤ {bound * 1000:.0f} ms",
        )
        ctx.check(state in (1.0, 2.0), f"/metrics shows the knowledge breaker in state {state}, not open")
        ctx.facts["rejected"] = len(rejected)

    async def rollback(ctx: ExperimentContext) -> None:
        await deployment.toxiproxy.enable_proxy(EDGE)

    async def verify(ctx: ExperimentContext) -> None:
        polled = await eventually(call, lambda o: o.ok, within_s=policy.recovery_within_s)
        ctx.record("recovery_s", polled.elapsed_s)
        ctx.check(polled.satisfied, f"knowledge did not recover: {polled.value.describe()}")
        state = await breaker_state()
        ctx.record("breaker_state_after", state)
        ctx.check(state == 0, f"the breaker is in state {state} after a successful call, not closed (0)")

    async def close_probe(ctx: ExperimentContext) -> None:
        await probe.aclose()

    return Experiment(
        name=NAME,
        description="knowledge unreachable: the breaker opens within min_calls failures, rejects fast, "
        "closes again after the half-open probe succeeds",
        hypothesis=hypothesis,
        inject=inject,
        observe=observe,
        rollback=rollback,
        verify=verify,
        cleanup=close_probe,
    )
