"""One representative call per wallet tool over stdio and Streamable HTTP, both protocol versions.

In-process coverage of every behaviour lives in test_wallet_tools.py; here we prove the same server
answers identically over real transports (2026-07-28 via ``auto``, 2025-11-25 via ``legacy``).
"""

from __future__ import annotations

import pytest
from mcp import Client

from harness.fixtures.wallet import make_wallet_settings, wallet_call, wallet_refusal
from harness.launch.connect import ClientTransport, ProtocolMode, connect_server
from servers.wallet.server import WALLET
from servers.wallet.settings import WalletSettings

pytestmark = pytest.mark.anyio

MODES: list[ProtocolMode] = ["auto", "legacy"]


def stdio_unavailable() -> str | None:
    """`serve wallet` goes through the registry, which imports every server; say why it cannot."""
    try:
        from servers.registry import server_specs

        server_specs()
    except ImportError as exc:
        return f"server registry not importable yet: {exc}"
    return None


async def exercise_every_tool(client: Client) -> None:
    import anyio

    with anyio.fail_after(30):
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert {"get_balance", "deposit", "transfer", "list_transactions", "audit", "health"} <= tools
        await wallet_call(client, "deposit", {"account": "alice", "amount": 500, "idempotency_key": "d-a"})
        await wallet_call(client, "deposit", {"account": "bob", "amount": 1, "idempotency_key": "d-b"})
        args = {"from_account": "alice", "to_account": "bob", "amount": 200, "idempotency_key": "t-1"}
        first = await wallet_call(client, "transfer", args)
        assert (first["from_balance"], first["to_balance"]) == (300, 201)
        assert await wallet_call(client, "transfer", args) == {**first, "replayed": True}
        overdraft = {**args, "amount": 10_000, "idempotency_key": "t-2"}
        assert "insufficient funds" in await wallet_refusal(client, "transfer", overdraft)
        assert "valid integer" in await wallet_refusal(
            client, "deposit", {**args, "account": "x", "amount": 1.5}
        )
        assert (await wallet_call(client, "get_balance", {"account": "bob"}))["balance"] == 201
        page = await wallet_call(client, "list_transactions", {"account": "alice", "limit": 10})
        assert [t["delta"] for t in page["transactions"]] == [-200, 500]
        audit = await wallet_call(client, "audit")
        assert audit["ok"] and audit["entries"] == 3 and audit["total_balances"] == 501
        assert (await wallet_call(client, "health"))["status"] == "ok"


@pytest.mark.parametrize("mode", MODES)
async def test_every_tool_over_http(wallet_settings: WalletSettings, mode: ProtocolMode) -> None:
    async with connect_server(WALLET, wallet_settings, "http", mode) as client:
        await exercise_every_tool(client)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("redis_backend", ["fakeredis", "real-redis"])
async def test_every_tool_over_stdio(
    request: pytest.FixtureRequest, redis_backend: str, mode: ProtocolMode
) -> None:
    reason = stdio_unavailable()
    if reason:
        pytest.skip(reason)
    url = request.getfixturevalue("redis_url") if redis_backend == "real-redis" else None
    transport: ClientTransport = "stdio"
    async with connect_server(WALLET, make_wallet_settings(url), transport, mode) as client:
        await exercise_every_tool(client)
