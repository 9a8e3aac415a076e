"""Named wallet steps and the wallet invariants: a book of logical transfers kept against the ledger.

``wallet_accounts`` funds accounts and notes the ledger's size; ``wallet_transfers`` sends seeded
concurrent transfers with idempotency keys — retrying failures and re-sending some successes with the
same key, as callers do after a lost answer; ``wallet_complete`` finishes every unconfirmed transfer
with its key. The invariants are then judged against the wallet's own ``audit`` and balances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
from pydantic import Field

from harness.scenario.context import RunContext, StepError
from harness.scenario.fields import Seconds, Strict
from harness.scenario.gateway_probe import CallOutcome
from harness.scenario.record import CallRecord

REFUSED_FOR_FUNDS = "insufficient"


class AccountsArgs(Strict):
    accounts: int = Field(5, ge=2, le=100)
    opening: int = Field(1_000_000, ge=1)


class TransfersArgs(Strict):
    transfers: int = Field(50, ge=1, le=5_000)
    concurrency: int = Field(10, ge=1, le=256)
    amount_max: int = Field(100, ge=1)
    retries: int = Field(1, ge=0, le=10, description="immediate retries of a failed transfer")
    resend_every: int = Field(5, ge=1, description="every Nth confirmed transfer is sent again")
    retry_keys: Literal["same", "fresh"] = Field("same", description="fresh: ignore idempotency (a test)")


class CompleteArgs(Strict):
    within: Seconds = 10.0


@dataclass
class Transfer:
    number: int
    source: str
    target: str
    amount: int
    key: str
    answers: list[CallOutcome] = field(default_factory=list)
    sends: int = 0

    @property
    def accepted(self) -> bool:
        return any(a.ok for a in self.answers)

    @property
    def refused_for_funds(self) -> bool:
        return not self.accepted and any(REFUSED_FOR_FUNDS in a.text.lower() for a in self.answers)


@dataclass
class WalletBook:
    accounts: list[str]
    opening: int
    transfers_before: int
    transfers: list[Transfer] = field(default_factory=list)


def book(ctx: RunContext) -> WalletBook:
    found = ctx.state.get(WalletBook)
    if found is None:
        raise StepError("wallet steps need `use: wallet_accounts` first")
    return found


async def audit(ctx: RunContext) -> dict[str, Any]:
    outcome = await ctx.probe.call("wallet__audit")
    if not outcome.ok or outcome.structured is None:
        raise StepError(f"the wallet audit did not answer: {outcome.describe()}")
    return outcome.structured


async def wallet_accounts(ctx: RunContext, args: AccountsArgs, label: str) -> None:
    accounts = [f"{ctx.run_tag}-{label}-a{i}" for i in range(args.accounts)]
    for i, account in enumerate(accounts):
        arguments = {"account": account, "amount": args.opening, "idempotency_key": f"{account}-open{i}"}
        outcome = await ctx.probe.call("wallet__deposit", arguments)
        ctx.record.calls.append(CallRecord(label, ctx.record.now(), arguments, outcome))
        if not outcome.ok:
            raise StepError(f"could not fund {account}: {outcome.describe()}")
    before = await audit(ctx)
    ctx.state[WalletBook] = WalletBook(accounts, args.opening, int(before["transfers"]))


async def send(ctx: RunContext, transfer: Transfer, label: str, fresh: bool) -> CallOutcome:
    key = f"{transfer.key}-r{transfer.sends}" if fresh and transfer.sends else transfer.key
    transfer.sends += 1
    arguments = {
        "from_account": transfer.source,
        "to_account": transfer.target,
        "amount": transfer.amount,
        "idempotency_key": key,
    }
    t = ctx.record.now()
    outcome = await ctx.probe.call("wallet__transfer", arguments)
    ctx.record.calls.append(CallRecord(label, t, arguments, outcome))
    transfer.answers.append(outcome)
    return outcome


async def wallet_transfers(ctx: RunContext, args: TransfersArgs, label: str) -> None:
    wallet = book(ctx)
    start = len(wallet.transfers)
    batch = []
    for n in range(start, start + args.transfers):
        source, target = ctx.rng.sample(wallet.accounts, 2)
        amount = ctx.rng.randint(1, args.amount_max)
        batch.append(Transfer(n, source, target, amount, f"{ctx.run_tag}-t{n}"))
    wallet.transfers.extend(batch)
    limiter = anyio.CapacityLimiter(args.concurrency)
    fresh = args.retry_keys == "fresh"

    async def run(transfer: Transfer) -> None:
        async with limiter:
            outcome = await send(ctx, transfer, label, fresh)
            for _ in range(args.retries):
                if outcome.ok or REFUSED_FOR_FUNDS in outcome.text.lower():
                    break
                outcome = await send(ctx, transfer, label, fresh)
            if outcome.ok and transfer.number % args.resend_every == 0:
                await send(ctx, transfer, label, fresh)  # the answer was "lost": send it again

    async with anyio.create_task_group() as tg:
        for transfer in batch:
            tg.start_soon(run, transfer)
    ctx.record.measure(f"{label}.accepted", sum(t.accepted for t in batch))
    ctx.record.measure(f"{label}.refused_for_funds", sum(t.refused_for_funds for t in batch))


async def wallet_complete(ctx: RunContext, args: CompleteArgs, label: str) -> None:
    """Retry every transfer neither accepted nor refused for funds, with its key, until ``within``."""
    wallet = book(ctx)
    pending = [t for t in wallet.transfers if not t.accepted and not t.refused_for_funds]
    ctx.record.measure(f"{label}.pending", len(pending))

    async def complete(transfer: Transfer) -> None:
        with anyio.move_on_after(args.within):
            for _ in range(int(args.within / 0.2) + 1):  # bounded in count as well as in time
                if (await send(ctx, transfer, label, fresh=False)).ok:
                    return
                await anyio.sleep(0.2)

    async with anyio.create_task_group() as tg:
        for transfer in pending:
            tg.start_soon(complete, transfer)
    stuck = [t.key for t in pending if not t.accepted]
    ctx.record.measure(f"{label}.stuck", len(stuck), [f"never completed: {k}" for k in stuck[:5]])


async def invariant(name: str, ctx: RunContext) -> tuple[bool, Any, str]:
    """``(held, measured, detail)`` for one wallet invariant."""
    wallet = book(ctx)
    report = await audit(ctx)
    accepted = [t for t in wallet.transfers if t.accepted]
    if name == "wallet_conservation":
        violations = report.get("violations") or []
        return bool(report.get("ok")), report.get("ok"), "; ".join(violations)[:300] or "audit ok"
    if name == "one_ledger_entry_per_key":
        new = int(report["transfers"]) - wallet.transfers_before
        split = [
            t.key
            for t in accepted
            if len({a.structured.get("transaction_id") for a in t.answers if a.ok and a.structured}) > 1
        ]
        detail = f"{new} new ledger transfers for {len(accepted)} accepted logical transfers"
        if new != len(accepted):
            detail += ": " + ("duplicated" if new > len(accepted) else "lost") + " money movements"
        if split:
            detail += f"; re-sent keys answered with another transaction: {split[:3]}"
        return new == len(accepted) and not split, new, detail
    model = dict.fromkeys(wallet.accounts, wallet.opening)
    for t in accepted:
        model[t.source] -= t.amount
        model[t.target] += t.amount
    mismatches = []
    for account in wallet.accounts:
        answer = await ctx.probe.call("wallet__get_balance", {"account": account})
        actual = (answer.structured or {}).get("balance")
        if actual != model[account]:
            mismatches.append(f"{account}: {actual} != model {model[account]}")
    return not mismatches, len(mismatches), "; ".join(mismatches)[:300] or "every balance equals the model"
