"""The wallet when its backends fail: clear errors, nothing half-written, the cache never wrong.

Two wallet instances over one ledger and one Redis stand for two server processes (each has its own
in-process locks), so the Redis locks alone must keep the overdraft check race-free between them.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import fakeredis
import pytest
from mongomock_motor import AsyncMongoMockClient
from pymongo.errors import ServerSelectionTimeoutError

from harness.fixtures.wallet import make_wallet_settings, wallet_call, wallet_refusal
from servers.wallet.errors import InsufficientFunds, WalletBackendDown, WalletTimeout
from servers.wallet.operations import Wallet
from servers.wallet.server import assemble_wallet, build_wallet_server, open_wallet
from servers.wallet.settings import WalletSettings

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def wallet_on(redis_server: fakeredis.FakeServer, **overrides: Any) -> AsyncIterator[Wallet]:
    """A wallet on embedded Mongo and the given fake Redis server, alice=100 and bob=0 opened."""
    settings = make_wallet_settings(**overrides)
    redis = fakeredis.FakeAsyncRedis(server=redis_server, decode_responses=True)
    wallet = await assemble_wallet(AsyncMongoMockClient()["wallet"], redis, settings)
    await wallet.deposit("alice", 100, "open-alice")
    await wallet.deposit("bob", 1, "open-bob")
    yield wallet
    await redis.aclose()


async def ledger_size(wallet: Wallet) -> int:
    return await wallet.ledger.count()


async def test_redis_down_refuses_writes_and_writes_nothing() -> None:
    server = fakeredis.FakeServer()
    async with wallet_on(server) as wallet:
        server.connected = False
        with anyio.fail_after(10):
            with pytest.raises(WalletBackendDown, match="redis unavailable, nothing was written"):
                await wallet.transfer("alice", "bob", 10, "t-1")
            with pytest.raises(WalletBackendDown, match="redis unavailable"):
                await wallet.get_balance("alice")
        assert await ledger_size(wallet) == 2
        server.connected = True
        assert (await wallet.transfer("alice", "bob", 10, "t-1")).replayed is False


async def test_redis_failing_after_the_insert_keeps_the_write_and_the_next_read_recomputes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with wallet_on(fakeredis.FakeServer()) as wallet:

        async def redis_gone(balances: Any) -> None:
            raise WalletBackendDown("redis", "connection reset")

        monkeypatch.setattr(wallet.cache, "remember", redis_gone)
        result = await wallet.transfer("alice", "bob", 30, "t-1")
        assert (result.from_balance, result.to_balance) == (70, 31)
        monkeypatch.undo()
        assert await wallet.cache.get("alice") is None  # forgotten before the insert, never stale
        assert (await wallet.get_balance("alice")).balance == 70
        assert (await wallet.transfer("alice", "bob", 30, "t-1")).replayed is True
        assert await ledger_size(wallet) == 3


async def test_mongo_down_is_a_clear_error_and_the_key_stays_free(monkeypatch: pytest.MonkeyPatch) -> None:
    async with wallet_on(fakeredis.FakeServer()) as wallet:

        async def unreachable(document: Any) -> None:
            raise ServerSelectionTimeoutError("no servers found")

        monkeypatch.setattr(wallet.ledger.collection, "insert_one", unreachable)
        with pytest.raises(WalletBackendDown, match="mongo unavailable, nothing was written"):
            await wallet.transfer("alice", "bob", 10, "t-1")
        monkeypatch.undo()
        assert (await wallet.get_balance("alice")).balance == 100
        assert (await wallet.transfer("alice", "bob", 10, "t-1")).from_balance == 90


async def test_a_slow_write_times_out_and_frees_its_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    async with wallet_on(fakeredis.FakeServer(), operation_timeout_s=0.2, lock_ttl_s=5.0) as wallet:
        real_balance = wallet.ledger.balance
        await wallet.cache.forget("alice")

        async def stuck(account: str) -> int | None:
            await anyio.sleep(30)
            return await real_balance(account)

        monkeypatch.setattr(wallet.ledger, "balance", stuck)
        with anyio.fail_after(10), pytest.raises(WalletTimeout, match="retry with the same idempotency key"):
            await wallet.transfer("alice", "bob", 10, "t-1")
        monkeypatch.undo()
        with anyio.fail_after(2):  # the locks were released, not left to their TTL
            assert (await wallet.transfer("alice", "bob", 10, "t-1")).from_balance == 90


async def test_a_flushed_cache_is_recomputed_from_the_ledger() -> None:
    server = fakeredis.FakeServer()
    async with wallet_on(server) as wallet:
        await wallet.transfer("alice", "bob", 40, "t-1")
        await wallet.cache.redis.flushall()
        assert (await wallet.get_balance("bob")).balance == 41
        with pytest.raises(InsufficientFunds):
            await wallet.transfer("alice", "bob", 61, "t-2")
        report = await wallet.transfer("alice", "bob", 60, "t-3")
        assert report.from_balance == 0


async def test_two_processes_on_one_redis_never_overdraw() -> None:
    """Only the Redis locks stand between the two instances: 100 racing transfers, no overdraft."""
    server = fakeredis.FakeServer()
    settings = make_wallet_settings(lock_wait_s=30.0, operation_timeout_s=20.0, lock_ttl_s=40.0)
    db = AsyncMongoMockClient()["wallet"]
    redis_a = fakeredis.FakeAsyncRedis(server=server, decode_responses=True)
    redis_b = fakeredis.FakeAsyncRedis(server=server, decode_responses=True)
    process_a = await assemble_wallet(db, redis_a, settings)
    process_b = await assemble_wallet(db, redis_b, settings)
    for account in ("a", "b", "c"):
        await process_a.deposit(account, 100, f"open-{account}")
    rng = random.Random(5)
    accepted = 0

    async def attempt(n: int) -> None:
        nonlocal accepted
        source, target = rng.sample(["a", "b", "c"], 2)
        wallet = process_a if n % 2 else process_b
        try:
            await wallet.transfer(source, target, rng.randint(20, 90), f"t-{n}")
            accepted += 1
        except InsufficientFunds:
            pass

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for n in range(100):
                tg.start_soon(attempt, n)
    from servers.wallet.invariants import check_invariants

    report = await check_invariants(process_a.ledger, process_a.cache)
    assert report.ok, report.violations
    assert report.transfers == accepted and 0 < accepted < 100
    assert report.total_balances == 300


async def test_health_reports_redis_down_while_other_tools_say_redis_unavailable() -> None:
    server = fakeredis.FakeServer()
    async with wallet_on(server) as wallet:
        from mcp import Client

        async with Client(build_wallet_server(wallet, wallet.settings)) as client:
            server.connected = False
            with anyio.fail_after(10):
                health = await wallet_call(client, "health")
                assert health["status"] == "degraded"
                redis_status = next(b for b in health["backends"] if b["name"] == "redis")
                assert not redis_status["ok"]
                error = await wallet_refusal(
                    client, "deposit", {"account": "alice", "amount": 5, "idempotency_key": "d-9"}
                )
                assert "redis unavailable" in error
                audit = await wallet_call(client, "audit")
                assert not audit["ok"] and "cached balances not checked" in audit["violations"][0]
            server.connected = True
            assert (await wallet_call(client, "audit"))["ok"]


async def test_a_fresh_embedded_ledger_ignores_an_earlier_ledgers_cache(redis_url: str) -> None:
    """Same real Redis, new in-memory ledger: balances must not leak from the previous run."""
    settings: WalletSettings = make_wallet_settings(redis_url)
    async with open_wallet(settings) as first:
        await first.deposit("alice", 100, "d-1")
        assert (await first.get_balance("alice")).balance == 100
    async with open_wallet(settings) as second:
        with pytest.raises(Exception, match="unknown account 'alice'"):
            await second.get_balance("alice")
