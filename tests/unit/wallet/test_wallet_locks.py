"""AccountLocks: exclusion across processes (two instances on one Redis), expiry, no deadlock, busy errors."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import fakeredis
import pytest

from servers.wallet.errors import WalletBackendDown, WalletBusy
from servers.wallet.locks import AccountLocks
from servers.wallet.redis_gate import RedisGate

pytestmark = pytest.mark.anyio


def locks_on(server: fakeredis.FakeServer, wait_s: float = 2.0, ttl_s: float = 5.0) -> AccountLocks:
    """An AccountLocks as one process would have it: its own client and local locks, a shared Redis."""
    gate = RedisGate(fakeredis.FakeAsyncRedis(server=server, decode_responses=True), 16)
    return AccountLocks(gate, "test:", ttl_s=ttl_s, wait_s=wait_s, poll_s=0.005)


async def test_another_process_waits_then_gets_wallet_busy() -> None:
    server = fakeredis.FakeServer()
    first, second = locks_on(server), locks_on(server, wait_s=0.2)
    with anyio.fail_after(10):
        async with first.hold(["alice"]):
            with pytest.raises(WalletBusy, match="wallet busy, retry"):
                async with second.hold(["bob", "alice"]):
                    pass
            async with second.hold(["bob"]):  # other accounts stay available
                pass
        async with second.hold(["alice"]):  # released: free again
            pass


async def test_a_crashed_holders_lock_expires_after_its_ttl() -> None:
    server = fakeredis.FakeServer()
    crashed = fakeredis.FakeAsyncRedis(server=server, decode_responses=True)
    await crashed.set("test:lock:alice", "token-of-a-dead-process", px=300)
    with anyio.fail_after(10):
        started = anyio.current_time()
        async with locks_on(server).hold(["alice"]):
            waited = anyio.current_time() - started
    assert 0.2 < waited < 2.0


async def test_opposite_transfers_never_deadlock() -> None:
    server = fakeredis.FakeServer()
    process_a, process_b = locks_on(server), locks_on(server)
    inside = 0
    worst = 0

    async def critical(locks: AccountLocks, accounts: list[str]) -> None:
        nonlocal inside, worst
        async with locks.hold(accounts):
            inside += 1
            worst = max(worst, inside)
            await anyio.lowlevel.checkpoint()
            inside -= 1

    with anyio.fail_after(20):
        async with anyio.create_task_group() as tg:
            for n in range(40):
                tg.start_soon(
                    critical, process_a if n % 2 else process_b, ["a", "b"] if n % 3 else ["b", "a"]
                )
    assert worst == 1


async def test_a_cancelled_holder_still_releases() -> None:
    server = fakeredis.FakeServer()
    locks = locks_on(server)
    with anyio.fail_after(10):
        with anyio.move_on_after(0.05):
            async with locks.hold(["alice"]):
                await anyio.sleep_forever()
        async with locks_on(server, wait_s=0.5).hold(["alice"]):
            pass
    assert locks.local == {}


async def test_redis_down_is_a_clear_error() -> None:
    server = fakeredis.FakeServer()
    server.connected = False
    with anyio.fail_after(10), pytest.raises(WalletBackendDown, match="redis unavailable"):
        async with locks_on(server).hold(["alice"]):
            pass
