"""``pod-freeze-wallet``: the wallet pod hangs (SIGSTOP); no caller waits past its deadline, no money doubles.

Fault: the wallet server's process frozen for the observation, then thawed (SIGCONT). Transfers sent while
it is frozen reach its socket and wait there; the client gives up at the wallet's deadline and says the
outcome is unknown. After the thaw the wallet works through what queued up, and callers re-send every
unconfirmed transfer with the SAME idempotency key. Property:

* every call made while the pod is frozen returns within the wallet deadline (+ ``deadline_late_s``);
* after the thaw every transfer completes, and the ledger gained exactly one entry per logical
  transfer (audit ok, no duplicate keys).
"""

from __future__ import annotations

import functools
import uuid

import anyio

from chaos.experiments import Experiment, ExperimentContext
from harness.launch.inprocess import Deployment
from harness.pod_experiments.support import POD_POLICY, PodPolicy, closing, pods_of
from harness.scenario.gateway_probe import CallOutcome, GatewayProbe
from harness.scenario.polling import eventually

NAME = "pod-freeze-wallet"
POD = "wallet"
TRANSFERS = 6
FUNDS = 1_000


def build(deployment: Deployment, policy: PodPolicy = POD_POLICY) -> Experiment:
    faults = pods_of(deployment)
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key, "the deployment has no gateway"
    # a caller that would wait longer than deadline + slack + 1 s gives up: the check still fails, sooner
    probe = GatewayProbe(
        endpoints.gateway, endpoints.api_key, timeout_s=policy.wallet_deadline_s + policy.deadline_late_s + 1
    )
    tag = f"f{uuid.uuid4().hex[:6]}"
    source, target = f"{tag}-src", f"{tag}-dst"
    keys = [f"{tag}-t{n}" for n in range(TRANSFERS)]
    confirmed: dict[str, CallOutcome] = {}

    def transfer(key: str) -> tuple[str, dict[str, object]]:
        return "wallet__transfer", {
            "from_account": source,
            "to_account": target,
            "amount": 1,
            "idempotency_key": key,
        }

    async def audit_transfers(ctx: ExperimentContext) -> int:
        report = await probe.call("wallet__audit")
        ctx.check(report.ok and (report.structured or {}).get("ok") is True, f"audit: {report.describe()}")
        return int((report.structured or {})["transfers"])

    async def deposit(account: str, amount: int, key: str) -> CallOutcome:
        arguments = {"account": account, "amount": amount, "idempotency_key": key}
        polled = await eventually(
            lambda: probe.call("wallet__deposit", arguments),
            lambda o: o.ok,
            within_s=policy.recovery_within_s,
        )
        return polled.value

    async def hypothesis(ctx: ExperimentContext) -> None:
        for account, amount, key in ((source, FUNDS, f"{tag}-d"), (target, 1, f"{tag}-o")):
            funded = await deposit(account, amount, key)
            ctx.check(funded.ok, f"could not fund {account}: {funded.describe()}")
        ctx.facts["transfers_before"] = await audit_transfers(ctx)

    async def inject(ctx: ExperimentContext) -> None:
        await faults.apply("freeze", POD)

    async def observe(ctx: ExperimentContext) -> None:
        outcomes: list[CallOutcome] = []

        async def send(key: str) -> None:
            outcome = await probe.call(*transfer(key))
            outcomes.append(outcome)
            if outcome.ok:
                confirmed[key] = outcome

        async with anyio.create_task_group() as tg:
            for key in keys:
                tg.start_soon(send, key)
        worst = max(o.latency_s for o in outcomes)
        ctx.record("frozen_calls", len(outcomes))
        ctx.record("frozen_call_max_ms", worst * 1000)
        late = policy.wallet_deadline_s + policy.deadline_late_s
        ctx.check(
            worst <= late,
            f"a caller waited {worst:.2f} s on the frozen wallet; its deadline is {policy.wallet_deadline_s:g} s "
            f"(+{policy.deadline_late_s:g} s allowed): {max(outcomes, key=lambda o: o.latency_s).describe()}",
        )
        ctx.check(
            all(not o.ok for o in outcomes),
            "a transfer succeeded while the wallet was frozen: the fault did not reach the pod",
        )

    async def rollback(ctx: ExperimentContext) -> None:
        await faults.apply("thaw", POD)

    async def verify(ctx: ExperimentContext) -> None:
        for key in keys:
            if key in confirmed:
                continue
            polled = await eventually(
                functools.partial(probe.call, *transfer(key)),
                lambda o: o.ok,
                within_s=policy.recovery_within_s,
                interval_s=0.2,
            )
            ctx.check(
                polled.satisfied, f"transfer {key} never completed after the thaw: {polled.value.describe()}"
            )
            confirmed[key] = polled.value
        gained = await audit_transfers(ctx) - ctx.facts["transfers_before"]
        ctx.record("ledger_new_transfers", gained)
        ctx.check(
            gained == TRANSFERS,
            f"the ledger gained {gained} transfers for {TRANSFERS} logical transfers: "
            f"{'duplicated' if gained > TRANSFERS else 'lost'} money movements",
        )

    return Experiment(
        name=NAME,
        description="wallet pod frozen: callers answered by the deadline; after the thaw, re-sent transfers "
        "complete once each",
        hypothesis=hypothesis,
        inject=inject,
        observe=observe,
        rollback=rollback,
        verify=verify,
        cleanup=closing(probe),
    )
