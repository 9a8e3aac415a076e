"""The wallet MCP server: tools over a Mongo ledger with Redis-cached balances (``WALLET`` spec).

Tools: ``get_balance``, ``deposit``, ``transfer``, ``list_transactions``, ``audit`` (invariants, read
only) and ``health`` (Mongo + Redis). Amounts are integers of minor units. Inputs are validated by
their JSON schema before any code runs; every refusal is a :class:`~servers.wallet.errors.WalletError`,
turned into an ``isError`` result here, at the boundary, and only here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import redis.asyncio as aioredis
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from servers.common.health import BackendCheck, add_health_tool
from servers.common.mongo import open_mongo, ping_mongo
from servers.common.redis import open_redis
from servers.common.runner import ServerSpec
from servers.common.strict_server import ReferenceMCPServer
from servers.wallet.cache import BalanceCache
from servers.wallet.errors import WalletError
from servers.wallet.invariants import check_invariants
from servers.wallet.ledger import Ledger
from servers.wallet.locks import AccountLocks
from servers.wallet.models import (
    AccountName,
    Amount,
    AuditReport,
    Balance,
    Cursor,
    DepositResult,
    IdempotencyKey,
    PageSize,
    TransactionPage,
    TransferResult,
)
from servers.wallet.operations import Wallet
from servers.wallet.redis_gate import RedisGate
from servers.wallet.settings import WalletSettings

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
IDEMPOTENT_WRITE = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)


@contextmanager
def refusals_as_tool_errors() -> Iterator[None]:
    """The one place wallet refusals become ``isError`` results."""
    try:
        yield
    except WalletError as exc:
        raise ToolError(str(exc)) from exc


async def assemble_wallet(db: Any, redis: aioredis.Redis, settings: WalletSettings) -> Wallet:
    """A wallet over an open Mongo database and Redis client (indexes ensured, keys namespaced)."""
    ledger = Ledger(db[settings.ledger_collection], db[f"{settings.ledger_collection}_meta"])
    with refusals_as_tool_errors():
        await ledger.ensure_indexes()
        prefix = f"{settings.redis_prefix}{await ledger.identity()}:"
    gate = RedisGate(redis, settings.redis_max_concurrency)
    cache = BalanceCache(gate, prefix, settings.cache_ttl_s)
    locks = AccountLocks(gate, prefix, settings.lock_ttl_s, settings.lock_wait_s, settings.lock_poll_s)
    return Wallet(ledger, cache, locks, settings)


@asynccontextmanager
async def open_wallet(settings: WalletSettings) -> AsyncIterator[Wallet]:
    """Connect Mongo and Redis and yield the wallet; both are closed on exit."""
    async with open_mongo(settings.mongo) as db, open_redis(settings.redis) as redis:
        yield await assemble_wallet(db, redis, settings)


def build_wallet_server(wallet: Wallet, settings: WalletSettings) -> MCPServer:
    """An MCPServer exposing ``wallet``'s operations as tools."""
    server = ReferenceMCPServer(
        "wallet",
        instructions="Integer minor units only. Accounts are created by their first deposit. "
        "Reuse an idempotency key only to retry the same request.",
        log_level=settings.log_level,
    )

    @server.tool(annotations=READ_ONLY)
    async def get_balance(account: AccountName) -> Balance:
        """The account's balance in minor units; unknown accounts are an error."""
        with refusals_as_tool_errors():
            return await wallet.get_balance(account)

    @server.tool(annotations=IDEMPOTENT_WRITE)
    async def deposit(account: AccountName, amount: Amount, idempotency_key: IdempotencyKey) -> DepositResult:
        """Add ``amount`` to ``account``, creating the account on its first deposit."""
        with refusals_as_tool_errors():
            return await wallet.deposit(account, amount, idempotency_key)

    @server.tool(annotations=IDEMPOTENT_WRITE)
    async def transfer(
        from_account: AccountName, to_account: AccountName, amount: Amount, idempotency_key: IdempotencyKey
    ) -> TransferResult:
        """Move ``amount`` between two existing accounts, atomically; never overdraws."""
        with refusals_as_tool_errors():
            return await wallet.transfer(from_account, to_account, amount, idempotency_key)

    @server.tool(annotations=READ_ONLY)
    async def list_transactions(
        account: AccountName, limit: PageSize = 20, cursor: Cursor | None = None
    ) -> TransactionPage:
        """The account's ledger entries, newest first, a page at a time (follow ``next_cursor``)."""
        with refusals_as_tool_errors():
            return await wallet.list_transactions(account, limit, cursor)

    @server.tool(annotations=READ_ONLY)
    async def audit() -> AuditReport:
        """Check the ledger's invariants (conservation, no duplicates, well-formed legs, cache agreement)."""
        with refusals_as_tool_errors():
            return await check_invariants(wallet.ledger, wallet.cache)

    add_health_tool(
        server,
        [
            BackendCheck("mongo", "mongo", lambda: ping_mongo(wallet.ledger.collection.database)),
            BackendCheck("redis", "redis", wallet.cache.ping),
        ],
    )
    return server


@asynccontextmanager
async def open_wallet_server(settings: WalletSettings) -> AsyncIterator[MCPServer]:
    async with open_wallet(settings) as wallet:
        yield build_wallet_server(wallet, settings)


WALLET: ServerSpec[WalletSettings] = ServerSpec("wallet", WalletSettings, open_wallet_server)
