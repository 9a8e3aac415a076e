"""``wallet-redis-faults``: Redis connections reset and cut under concurrent transfers lose and double nothing.

Fault, on the wallet→Redis edge (Redis holds the wallet's locks and cached balances), in two halves of
a burst of concurrent transfers: first ``reset_peer`` (connections reset, half of them, at random),
then ``limit_data`` (each connection cut after a few hundred bytes of replies). Every transfer that
fails is retried once during the fault with the same idempotency key; every fifth one that succeeds is
sent again with the same key, as a caller would after losing the response. After rollback every
transfer not yet confirmed is retried with its key until it completes. Property:

* every transfer completes exactly once: the ledger gained exactly as many transfers as there are
  logical transfers, re-sent keys answer ``replayed`` with the first transaction id;
* the wallet's ``audit`` holds (conservation, no duplicate keys, cache agrees with the ledger);
* every balance equals a model: the initial deposits plus the accepted transfers, each applied once.

``retry_keys="fresh"`` makes the experiment's caller ignore idempotency (a new key per retry), which
the tests use to prove the experiment detects duplicated money movements.
"""

from __future__ import annotations

import contextlib
import random
import uuid
from dataclasses import dataclass, field
from typing import Literal

import anyio

from chaos.client import NotFound
from chaos.experiments import Experiment, ExperimentContext
from harness.experiments.deployment import DEFAULT_POLICY, ResiliencePolicy
from harness.experiments.polling import eventually
from harness.experiments.probe import CallOutcome, GatewayProbe
from harness.launch.inprocess import Deployment

NAME = "wallet-redis-faults"
EDGE = "wallet-redis"
RESET_TOXIC = "experiment-reset-peer"
LIMIT_TOXIC = "experiment-limit-data"
ACCOUNTS = 5
INITIAL_BALANCE = 1_000_000
TRANSFERS = 100
CONCURRENCY = 10
RESEND_EVERY = 5
RecoveryKeys = Literal["same", "fresh"]


@dataclass
class Transfer:
    """One logical transfer and what happened to it."""

    number: int
    from_account: str
    to_account: str
    amount: int
    key: str
    confirmed: CallOutcome | None = None
    attempts: int = 0
    fresh_keys: int = 0
    replays: list[CallOutcome] = field(default_factory=list)

    def arguments(self, key: str) -> dict[str, object]:
        return {
            "from_account": self.from_account,
            "to_account": self.to_account,
            "amount": self.amount,
            "idempotency_key": key,
        }


def plan(tag: str, seed: int) -> list[Transfer]:
    rng = random.Random(seed)
    accounts = [f"{tag}-a{i}" for i in range(ACCOUNTS)]
    transfers = []
    for n in range(TRANSFERS):
        source, target = rng.sample(accounts, 2)
        transfers.append(Transfer(n, source, target, rng.randint(1, 100), f"{tag}-t{n}"))
    return transfers


def build(
    deployment: Deployment,
    policy: ResiliencePolicy = DEFAULT_POLICY,
    *,
    retry_keys: RecoveryKeys = "same",
    seed: int = 11,
) -> Experiment:
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key, "the deployment has no gateway"
    probe = GatewayProbe(endpoints.gateway, endpoints.api_key, timeout_s=policy.wallet_deadline_s + 10)
    tag = f"w{uuid.uuid4().hex[:6]}"
    accounts = [f"{tag}-a{i}" for i in range(ACCOUNTS)]
    transfers = plan(tag, seed)

    async def send(transfer: Transfer) -> CallOutcome:
        key = transfer.key
        if retry_keys == "fresh" and transfer.attempts > 0:
            transfer.fresh_keys += 1
            key = f"{transfer.key}-r{transfer.fresh_keys}"
        transfer.attempts += 1
        return await probe.call("wallet__transfer", transfer.arguments(key))

    async def audit() -> CallOutcome:
        return await probe.call("wallet__audit")

    async def hypothesis(ctx: ExperimentContext) -> None:
        for i, account in enumerate(accounts):
            deposit = await probe.call(
                "wallet__deposit",
                {"account": account, "amount": INITIAL_BALANCE, "idempotency_key": f"{tag}-dep{i}"},
            )
            ctx.check(deposit.ok, f"could not fund {account}: {deposit.describe()}")
        report = await audit()
        ctx.check(report.ok and (report.structured or {}).get("ok") is True, f"audit: {report.describe()}")
        ctx.facts["transfers_before"] = (report.structured or {})["transfers"]

    async def burst(ctx: ExperimentContext, batch: list[Transfer]) -> None:
        limiter = anyio.CapacityLimiter(CONCURRENCY)

        async def run(transfer: Transfer) -> None:
            async with limiter:
                outcome = await send(transfer)
                if not outcome.ok:
                    ctx.facts["failed_first"] += 1
                    # isError from the wallet, or the gateway's 504 when a lock outlived its deadline:
                    # either way the caller is told, and retries with the same key
                    ctx.check(
                        outcome.is_error and bool(outcome.text) and outcome.transport_error is None,
                        f"a transfer failed without a clear error: {outcome.describe()}",
                    )
                    outcome = await send(transfer)  # the caller's retry, during the fault
                if outcome.ok:
                    transfer.confirmed = outcome
                    if transfer.number % RESEND_EVERY == 0:  # the response was "lost": send it again
                        transfer.replays.append(await send(transfer))

        async with anyio.create_task_group() as tg:
            for transfer in batch:
                tg.start_soon(run, transfer)

    async def inject(ctx: ExperimentContext) -> None:
        await deployment.toxiproxy.add_toxic(
            EDGE, "reset_peer", name=RESET_TOXIC, stream="upstream", toxicity=0.5, attributes={"timeout": 0}
        )

    async def observe(ctx: ExperimentContext) -> None:
        ctx.facts["failed_first"] = 0
        half = len(transfers) // 2
        await burst(ctx, transfers[:half])
        await deployment.toxiproxy.remove_toxic(EDGE, RESET_TOXIC)
        await deployment.toxiproxy.add_toxic(
            EDGE, "limit_data", name=LIMIT_TOXIC, stream="downstream", attributes={"bytes": 400}
        )
        await burst(ctx, transfers[half:])
        ctx.record("failed_first_attempt", ctx.facts["failed_first"])
        ctx.record("confirmed_during_fault", sum(1 for t in transfers if t.confirmed))

    async def rollback(ctx: ExperimentContext) -> None:
        for name in (RESET_TOXIC, LIMIT_TOXIC):
            with contextlib.suppress(NotFound):  # the first half's toxic is gone once the second started
                await deployment.toxiproxy.remove_toxic(EDGE, name)

    async def complete(transfer: Transfer) -> None:
        polled = await eventually(
            lambda: send(transfer), lambda o: o.ok, within_s=policy.recovery_within_s, interval_s=0.2
        )
        if polled.satisfied:
            transfer.confirmed = polled.value

    async def verify(ctx: ExperimentContext) -> None:
        pending = [t for t in transfers if t.confirmed is None]
        ctx.record("completed_after_rollback", len(pending))
        async with anyio.create_task_group() as tg:
            for transfer in pending:
                tg.start_soon(complete, transfer)
        stuck = [t for t in transfers if t.confirmed is None]
        ctx.check(
            not stuck,
            f"{len(stuck)} transfers never completed after rollback (e.g. key {stuck[0].key})"
            if stuck
            else "",
        )
        ctx.record("attempts", sum(t.attempts for t in transfers))
        report = await audit()
        structured = report.structured or {}
        ctx.check(report.ok, f"audit failed: {report.describe()}")
        new_entries = structured.get("transfers", 0) - ctx.facts["transfers_before"]
        ctx.record("ledger_new_transfers", new_entries)
        ctx.record("audit_ok", structured.get("ok"))
        expected = {account: INITIAL_BALANCE for account in accounts}
        for transfer in transfers:
            expected[transfer.from_account] -= transfer.amount
            expected[transfer.to_account] += transfer.amount
        mismatches = []
        for account in accounts:
            balance = await probe.call("wallet__get_balance", {"account": account})
            actual = (balance.structured or {}).get("balance")
            if actual != expected[account]:
                mismatches.append(f"{account}: {actual} != model {expected[account]}")
        ctx.record("balance_mismatches", len(mismatches))
        ctx.check(
            structured.get("ok") is True,
            f"the wallet's invariants broke: {'; '.join(structured.get('violations') or [])[:300]}",
        )
        ctx.check(
            new_entries == len(transfers),
            f"the ledger gained {new_entries} transfers for {len(transfers)} logical transfers: "
            f"{'duplicated' if new_entries > len(transfers) else 'lost'} money movements",
        )
        for transfer in transfers:
            assert transfer.confirmed is not None
            first_id = (transfer.confirmed.structured or {}).get("transaction_id")
            for replay in transfer.replays:
                if not replay.ok:
                    continue  # a re-send that failed during the fault changed nothing (the ledger says)
                ctx.check(
                    (replay.structured or {}).get("transaction_id") == first_id
                    and (replay.structured or {}).get("replayed") is True,
                    f"re-sending transfer {transfer.number} did not replay it: first {first_id}, "
                    f"again {replay.describe()}",
                )
        ctx.check(not mismatches, f"balances differ from the model of accepted transfers: {mismatches}")

    async def close_probe(ctx: ExperimentContext) -> None:
        await probe.aclose()

    return Experiment(
        name=NAME,
        description="reset_peer then limit_data on wallet→Redis under 100 concurrent transfers: nothing "
        "lost or duplicated, idempotent retries complete, audit holds, balances match the model",
        hypothesis=hypothesis,
        inject=inject,
        observe=observe,
        rollback=rollback,
        verify=verify,
        cleanup=close_probe,
        step_timeout_s=90.0,
    )
