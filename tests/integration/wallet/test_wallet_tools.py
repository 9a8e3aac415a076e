"""Every wallet tool in process, on fakeredis and a real redis-server: results, refusals, no side effects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from mcp import Client

from harness.fixtures.wallet import wallet_call, wallet_refusal
from harness.launch.connect import connect_server
from servers.wallet.server import WALLET
from servers.wallet.settings import WalletSettings

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def funded_wallet(settings: WalletSettings) -> AsyncIterator[Client]:
    """A wallet in memory with alice=1000 and bob=50."""
    async with connect_server(WALLET, settings, "memory") as client:
        await wallet_call(
            client, "deposit", {"account": "alice", "amount": 1000, "idempotency_key": "seed-a"}
        )
        await wallet_call(client, "deposit", {"account": "bob", "amount": 50, "idempotency_key": "seed-b"})
        yield client


async def snapshot(client: Client) -> dict[str, Any]:
    """What a refusal must not change: the audit counts and both balances."""
    audit = await wallet_call(client, "audit")
    assert audit["ok"], audit["violations"]
    alice = await wallet_call(client, "get_balance", {"account": "alice"})
    bob = await wallet_call(client, "get_balance", {"account": "bob"})
    return {"entries": audit["entries"], "alice": alice["balance"], "bob": bob["balance"]}


async def test_deposit_creates_the_account_and_transfer_moves_money(wallet_settings: WalletSettings) -> None:
    with anyio.fail_after(20):
        async with funded_wallet(wallet_settings) as client:
            moved = await wallet_call(
                client,
                "transfer",
                {"from_account": "alice", "to_account": "bob", "amount": 250, "idempotency_key": "t-1"},
            )
            assert (moved["from_balance"], moved["to_balance"], moved["replayed"]) == (750, 300, False)
            assert (await wallet_call(client, "get_balance", {"account": "alice"}))["balance"] == 750
            assert (await wallet_call(client, "get_balance", {"account": "bob"}))["balance"] == 300
            audit = await wallet_call(client, "audit")
            assert audit == {
                "ok": True,
                "entries": 3,
                "deposits": 2,
                "transfers": 1,
                "accounts": 2,
                "total_deposited": 1050,
                "total_balances": 1050,
                "cached_balances_checked": 2,
                "violations": [],
            }


async def test_repeated_key_returns_the_first_result_and_writes_nothing(
    wallet_settings: WalletSettings,
) -> None:
    with anyio.fail_after(20):
        async with funded_wallet(wallet_settings) as client:
            args = {"from_account": "alice", "to_account": "bob", "amount": 100, "idempotency_key": "t-1"}
            first = await wallet_call(client, "transfer", args)
            before = await snapshot(client)
            again = await wallet_call(client, "transfer", args)
            assert again == {**first, "replayed": True}
            deposit_args = {"account": "alice", "amount": 5, "idempotency_key": "seed-a"}
            error = await wallet_refusal(client, "deposit", deposit_args)
            assert "idempotency key 'seed-a' reused with a different request" in error
            error = await wallet_refusal(client, "transfer", {**args, "amount": 101})
            assert "reused with a different request" in error
            error = await wallet_refusal(
                client, "deposit", {"account": "alice", "amount": 100, "idempotency_key": "t-1"}
            )
            assert "reused with a different request" in error
            assert await snapshot(client) == before


REFUSALS: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "overdraft",
        "transfer",
        {"from_account": "bob", "to_account": "alice", "amount": 51},
        "insufficient funds",
    ),
    ("self", "transfer", {"from_account": "bob", "to_account": "bob", "amount": 1}, "to itself"),
    (
        "unknown source",
        "transfer",
        {"from_account": "carol", "to_account": "bob", "amount": 1},
        "unknown account",
    ),
    (
        "unknown target",
        "transfer",
        {"from_account": "bob", "to_account": "carol", "amount": 1},
        "unknown account",
    ),
    ("zero", "transfer", {"from_account": "alice", "to_account": "bob", "amount": 0}, "greater than 0"),
    ("negative", "deposit", {"account": "alice", "amount": -5}, "greater than 0"),
    ("float", "deposit", {"account": "alice", "amount": 5.0}, "valid integer"),
    ("fraction", "deposit", {"account": "alice", "amount": 0.5}, "valid integer"),
    ("numeric string", "deposit", {"account": "alice", "amount": "5"}, "valid integer"),
    ("bool", "deposit", {"account": "alice", "amount": True}, "valid integer"),
    ("null", "deposit", {"account": "alice", "amount": None}, "valid integer"),
    ("too large", "deposit", {"account": "alice", "amount": 10**15 + 1}, "less than or equal"),
    ("missing amount", "deposit", {"account": "alice"}, "Field required"),
    ("huge account", "deposit", {"account": "a" * 100_000, "amount": 1}, "at most 64 characters"),
    ("bad characters", "deposit", {"account": "al ice/../x", "amount": 1}, "should match pattern"),
    ("empty account", "deposit", {"account": "", "amount": 1}, "at least 1 character"),
    ("account not a string", "deposit", {"account": 42, "amount": 1}, "valid string"),
    (
        "empty key",
        "deposit",
        {"account": "alice", "amount": 1, "idempotency_key": ""},
        "at least 1 character",
    ),
    ("huge key", "deposit", {"account": "alice", "amount": 1, "idempotency_key": "k" * 5000}, "at most 128"),
]


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
async def test_bad_requests_are_clear_errors_and_change_nothing(
    wallet_settings: WalletSettings, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    with anyio.fail_after(20):
        async with funded_wallet(wallet_settings) as client:
            before = await snapshot(client)
            error = await wallet_refusal(client, tool, {"idempotency_key": "bad-1", **arguments})
            assert expected in error
            assert "Traceback" not in error
            assert await snapshot(client) == before
            # a refused request does not consume its key
            retry = {"from_account": "alice", "to_account": "bob", "amount": 1, "idempotency_key": "bad-1"}
            assert (await wallet_call(client, "transfer", retry))["replayed"] is False


async def test_unknown_accounts_and_bad_queries_are_clear_errors(wallet_settings: WalletSettings) -> None:
    with anyio.fail_after(20):
        async with funded_wallet(wallet_settings) as client:
            assert "unknown account 'zed'" in await wallet_refusal(client, "get_balance", {"account": "zed"})
            assert "unknown account 'zed'" in await wallet_refusal(
                client, "list_transactions", {"account": "zed"}
            )
            error = await wallet_refusal(client, "list_transactions", {"account": "alice", "cursor": "nope"})
            assert "invalid cursor" in error
            for limit in (0, 101, 2.5):
                await wallet_refusal(client, "list_transactions", {"account": "alice", "limit": limit})
            assert "Field required" in await wallet_refusal(client, "get_balance", {})


async def test_list_transactions_pages_newest_first(wallet_settings: WalletSettings) -> None:
    with anyio.fail_after(20):
        async with funded_wallet(wallet_settings) as client:
            for n in range(1, 6):
                args = {
                    "from_account": "alice",
                    "to_account": "bob",
                    "amount": n,
                    "idempotency_key": f"t-{n}",
                }
                await wallet_call(client, "transfer", args)
            seen: list[dict[str, Any]] = []
            cursor: str | None = None
            pages = 0
            while True:
                query: dict[str, Any] = {"account": "bob", "limit": 2}
                if cursor is not None:
                    query["cursor"] = cursor
                page = await wallet_call(client, "list_transactions", query)
                pages += 1
                seen.extend(page["transactions"])
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert pages == 3
            assert [t["idempotency_key"] for t in seen] == ["t-5", "t-4", "t-3", "t-2", "t-1", "seed-b"]
            assert [t["delta"] for t in seen] == [5, 4, 3, 2, 1, 50]
            assert seen[0]["counterparty"] == "alice" and seen[-1]["counterparty"] is None
            alice_page = await wallet_call(client, "list_transactions", {"account": "alice", "limit": 1})
            assert alice_page["transactions"][0]["delta"] == -5


async def test_health_reports_mongo_and_redis(wallet_settings: WalletSettings) -> None:
    with anyio.fail_after(20):
        async with connect_server(WALLET, wallet_settings, "memory") as client:
            health = await wallet_call(client, "health")
            assert health["status"] == "ok"
            assert sorted(b["name"] for b in health["backends"]) == ["mongo", "redis"]


async def test_tools_declare_integer_amounts_and_bounded_names(wallet_settings: WalletSettings) -> None:
    with anyio.fail_after(20):
        async with connect_server(WALLET, wallet_settings, "memory") as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            assert set(tools) == {
                "get_balance",
                "deposit",
                "transfer",
                "list_transactions",
                "audit",
                "health",
            }
            amount = tools["transfer"].input_schema["properties"]["amount"]
            assert amount["type"] == "integer" and amount["maximum"] == 10**15
            assert tools["deposit"].input_schema["properties"]["account"]["maxLength"] == 64
            assert tools["audit"].annotations is not None and tools["audit"].annotations.read_only_hint


async def test_balances_are_capped_by_max_balance(wallet_settings: WalletSettings) -> None:
    settings = wallet_settings.model_copy(update={"max_balance": 1_000})
    with anyio.fail_after(20):
        async with connect_server(WALLET, settings, "memory") as client:
            await wallet_call(
                client, "deposit", {"account": "alice", "amount": 1_000, "idempotency_key": "d-1"}
            )
            error = await wallet_refusal(
                client, "deposit", {"account": "alice", "amount": 1, "idempotency_key": "d-2"}
            )
            assert "balance limit exceeded" in error
            assert (await wallet_call(client, "get_balance", {"account": "alice"}))["balance"] == 1_000
