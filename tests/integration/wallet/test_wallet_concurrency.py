"""Many concurrent transfers through the MCP client: nothing lost, nothing doubled, no overdraft.

200 seeded requests over 5 accounts run at once — exact retries of earlier keys, keys reused with other
parameters, and amounts that overdraw. Afterwards: the audit holds, the ledger holds exactly one entry
per accepted key, and replaying the accepted transfers one by one (in ledger order) reproduces every
result the clients saw and the final balances.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from typing import Any

import anyio
import pytest
from mcp import Client

from harness.fixtures.wallet import make_wallet_settings, wallet_call
from harness.launch.connect import ClientTransport, ProtocolMode, connect_server
from servers.wallet.server import WALLET
from servers.wallet.settings import WalletSettings

pytestmark = pytest.mark.anyio

ACCOUNTS = [f"acct-{n}" for n in range(5)]
INITIAL_BALANCE = 1_000
REQUESTS = 200
ALLOWED_REFUSALS = ("insufficient funds", "reused with a different request")
GENEROUS_LOCKS: dict[str, Any] = {"lock_wait_s": 30.0, "operation_timeout_s": 20.0, "lock_ttl_s": 40.0}


def plan_requests(seed: int, count: int = REQUESTS) -> list[dict[str, Any]]:
    """Seeded transfers: ~15% exact retries, ~5% key reuse with another amount, some sure overdrafts."""
    rng = random.Random(seed)
    plan: list[dict[str, Any]] = []
    for n in range(count):
        roll = rng.random()
        if plan and roll < 0.15:
            plan.append(dict(rng.choice(plan)))
            continue
        if plan and roll < 0.20:
            plan.append({**rng.choice(plan), "amount": rng.randint(1, 300)})
            continue
        source, target = rng.sample(ACCOUNTS, 2)
        amount = 5_000 if roll > 0.95 else rng.randint(1, 600)
        plan.append(
            {"from_account": source, "to_account": target, "amount": amount, "idempotency_key": f"k-{n}"}
        )
    return plan


async def run_concurrently(client: Client, plan: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Any]]:
    """Fire every request at once; return (request, structured result or error text) in plan order."""
    outcomes: list[tuple[dict[str, Any], Any]] = [({}, None)] * len(plan)

    async def one(index: int, request: dict[str, Any]) -> None:
        result = await client.call_tool("transfer", request)
        if result.is_error:
            outcomes[index] = (request, " ".join(getattr(b, "text", "") for b in result.content))
        else:
            outcomes[index] = (request, result.structured_content)

    async with anyio.create_task_group() as tg:
        for index, request in enumerate(plan):
            tg.start_soon(one, index, request)
    return outcomes


def params(request: dict[str, Any]) -> tuple[str, str, int]:
    return (request["from_account"], request["to_account"], request["amount"])


async def check_outcomes(client: Client, outcomes: list[tuple[dict[str, Any], Any]]) -> None:
    accepted: dict[str, list[dict[str, Any]]] = defaultdict(list)
    reused: list[dict[str, Any]] = []
    for request, outcome in outcomes:
        if isinstance(outcome, str):
            assert any(reason in outcome for reason in ALLOWED_REFUSALS), outcome
            if "reused" in outcome:
                reused.append(request)
        else:
            accepted[request["idempotency_key"]].append(outcome)
    # one write per accepted key: every answer for a key is the first one, exactly one was not a replay
    firsts = []
    for key, results in accepted.items():
        assert sum(not r["replayed"] for r in results) == 1, (key, results)
        first = next(r for r in results if not r["replayed"])
        assert all({**r, "replayed": False} == first for r in results), (key, results)
        firsts.append(first)
    for request in reused:  # a conflicting reuse names a key that was accepted with other parameters
        first = next(r for r in firsts if r["idempotency_key"] == request["idempotency_key"])
        assert params(request) != (first["from_account"], first["to_account"], first["amount"])

    audit = await wallet_call(client, "audit")
    assert audit["ok"], audit["violations"]
    assert audit["transfers"] == len(firsts)
    assert audit["total_balances"] == INITIAL_BALANCE * len(ACCOUNTS)

    # the sequential model: replay accepted transfers in ledger order; every result must match it
    model = dict.fromkeys(ACCOUNTS, INITIAL_BALANCE)
    for first in sorted(firsts, key=lambda r: r["transaction_id"]):
        assert model[first["from_account"]] >= first["amount"], f"overdraft accepted: {first}"
        model[first["from_account"]] -= first["amount"]
        model[first["to_account"]] += first["amount"]
        assert (first["from_balance"], first["to_balance"]) == (
            model[first["from_account"]],
            model[first["to_account"]],
        ), first
    for account in ACCOUNTS:
        assert (await wallet_call(client, "get_balance", {"account": account}))["balance"] == model[account]
        touching = sum(account in (f["from_account"], f["to_account"]) for f in firsts)
        page = await wallet_call(client, "list_transactions", {"account": account, "limit": 100})
        assert len(page["transactions"]) == touching + 1  # + the opening deposit
    assert len(firsts) > 50 and len(firsts) < REQUESTS, "the plan should mix acceptances and refusals"


async def run_scenario(
    settings: WalletSettings, transport: ClientTransport, mode: ProtocolMode, seed: int
) -> float:
    async with connect_server(WALLET, settings, transport, mode) as client:
        for account in ACCOUNTS:
            args = {"account": account, "amount": INITIAL_BALANCE, "idempotency_key": f"open-{account}"}
            await wallet_call(client, "deposit", args)
        plan = plan_requests(seed)
        started = time.perf_counter()
        outcomes = await run_concurrently(client, plan)
        elapsed = time.perf_counter() - started
        await check_outcomes(client, outcomes)
        return elapsed


@pytest.mark.parametrize("seed", [7, 2024])
async def test_concurrent_transfers_in_memory(wallet_settings: WalletSettings, seed: int) -> None:
    settings = wallet_settings.model_copy(update=GENEROUS_LOCKS)
    with anyio.fail_after(90):
        await run_scenario(settings, "memory", "auto", seed)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_concurrent_transfers_over_http_with_real_redis(redis_url: str, mode: ProtocolMode) -> None:
    with anyio.fail_after(90):
        await run_scenario(make_wallet_settings(redis_url, **GENEROUS_LOCKS), "http", mode, seed=11)


async def test_hundreds_of_concurrent_reads_all_succeed(wallet_settings: WalletSettings) -> None:
    """More reads in flight than Redis pool connections: they queue, none fails as 'redis unavailable'."""
    with anyio.fail_after(60):
        async with connect_server(WALLET, wallet_settings, "memory") as client:
            await wallet_call(client, "deposit", {"account": "alice", "amount": 42, "idempotency_key": "d"})
            balances: list[int] = []

            async def read() -> None:
                balances.append((await wallet_call(client, "get_balance", {"account": "alice"}))["balance"])

            async with anyio.create_task_group() as tg:
                for _ in range(300):
                    tg.start_soon(read)
            assert balances == [42] * 300
