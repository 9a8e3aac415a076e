"""Per-account locks: an in-process ``anyio.Lock`` in front of a Redis lock with a TTL, in sorted order.

Why both: the Redis lock (``<prefix>lock:<account>``, SET NX PX + a token, redis-py's ``Lock``) excludes
writers in *other* processes and expires after ``lock_ttl_s`` if its holder crashes; the local lock
queues the tasks of *this* process fairly, so only one of them polls Redis per account instead of
hundreds. Accounts are locked in sorted order (local then Redis, per account), a total order, so two
transfers A→B and B→A cannot deadlock. Waiting longer than ``lock_wait_s`` in all raises
:class:`~servers.wallet.errors.WalletBusy`; Redis down raises ``WalletBackendDown``.

Release is shielded from cancellation (a cancelled caller still frees its locks) and never raises: a lock
that cannot be released expires by its TTL.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

import anyio
from redis.asyncio.lock import Lock as RedisLock

from servers.wallet.errors import WalletBackendDown, WalletBusy
from servers.wallet.redis_gate import RedisGate

log = logging.getLogger(__name__)

RELEASE_TIMEOUT_S = 2.0


@dataclass
class LocalLock:
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    users: int = 0


class AccountLocks:
    """Hold a set of accounts exclusively, across tasks and processes."""

    def __init__(self, gate: RedisGate, prefix: str, ttl_s: float, wait_s: float, poll_s: float) -> None:
        self.gate = gate
        self.key_prefix = f"{prefix}lock:"
        self.ttl_s = ttl_s
        self.wait_s = wait_s
        self.poll_s = poll_s
        self.local: dict[str, LocalLock] = {}

    @asynccontextmanager
    async def hold(self, accounts: Iterable[str]) -> AsyncIterator[None]:
        ordered = sorted(set(accounts))
        deadline = anyio.current_time() + self.wait_s
        async with AsyncExitStack() as stack:
            for account in ordered:
                await stack.enter_async_context(self.hold_local(account, deadline))
                await stack.enter_async_context(self.hold_redis(account, deadline))
            yield

    def remaining(self, deadline: float) -> float:
        return max(0.0, deadline - anyio.current_time())

    @asynccontextmanager
    async def hold_local(self, account: str, deadline: float) -> AsyncIterator[None]:
        entry = self.local.setdefault(account, LocalLock())
        entry.users += 1
        try:
            acquired = False
            with anyio.move_on_after(self.remaining(deadline)):
                await entry.lock.acquire()
                acquired = True
            if not acquired:
                raise WalletBusy(account, self.wait_s)
            try:
                yield
            finally:
                entry.lock.release()
        finally:
            entry.users -= 1
            if entry.users == 0:
                self.local.pop(account, None)

    @asynccontextmanager
    async def hold_redis(self, account: str, deadline: float) -> AsyncIterator[None]:
        lock = RedisLock(
            self.gate.redis,
            f"{self.key_prefix}{account}",
            timeout=self.ttl_s,
            sleep=self.poll_s,
            blocking=True,
            blocking_timeout=max(self.remaining(deadline), 0.001),
            thread_local=False,
        )
        if not await self.gate.call(lock.acquire):
            raise WalletBusy(account, self.wait_s)
        try:
            yield
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(RELEASE_TIMEOUT_S):
                try:
                    await self.gate.call(lock.release)
                except WalletBackendDown as exc:  # not owned any more, or Redis gone: the TTL frees it
                    log.warning(
                        "lock on %r not released (%s); it expires after %g s", account, exc, self.ttl_s
                    )
