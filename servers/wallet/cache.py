"""The Redis balance cache: ``<prefix>balance:<account>`` → the ledger sum, as a decimal string.

The ledger is the truth; this cache only saves the aggregate. Its rules (see
:mod:`servers.wallet.operations`): a writer, holding the account locks, deletes the cached balances
*before* inserting its ledger entry and sets the new ones after; a reader that misses fills the cache
only while holding the account lock. So a crash at any step leaves either a correct value or no value
(recomputed on the next read), never a stale one. Entries expire after ``cache_ttl_s`` so idle
accounts do not hold memory.

Redis failures become :class:`~servers.wallet.errors.WalletBackendDown` (``redis unavailable``).
"""

from __future__ import annotations

from collections.abc import Mapping

from servers.wallet.redis_gate import RedisGate


class BalanceCache:
    """Cached balances in Redis; ``None`` means "not cached", never "zero"."""

    def __init__(self, gate: RedisGate, prefix: str, ttl_s: int) -> None:
        self.gate = gate
        self.redis = gate.redis
        self.key_prefix = f"{prefix}balance:"
        self.ttl_s = ttl_s

    def key(self, account: str) -> str:
        return f"{self.key_prefix}{account}"

    async def get(self, account: str) -> int | None:
        value = await self.gate.call(lambda: self.redis.get(self.key(account)))
        return None if value is None else int(value)

    async def forget(self, *accounts: str) -> None:
        await self.gate.call(lambda: self.redis.delete(*(self.key(account) for account in accounts)))

    async def remember(self, balances: Mapping[str, int]) -> None:
        async def set_all() -> None:
            async with self.redis.pipeline(transaction=True) as pipe:
                for account, balance in balances.items():
                    pipe.set(self.key(account), str(balance), ex=self.ttl_s)
                await pipe.execute()

        await self.gate.call(set_all)

    async def all_cached(self) -> dict[str, int]:
        """Every cached balance (for audits)."""

        async def scan() -> dict[str, int]:
            keys = [key async for key in self.redis.scan_iter(match=f"{self.key_prefix}*", count=500)]
            values = await self.redis.mget(keys) if keys else []
            return {
                str(key)[len(self.key_prefix) :]: int(value)
                for key, value in zip(keys, values, strict=True)
                if value is not None
            }

        return await self.gate.call(scan)

    async def ping(self) -> None:
        await self.gate.call(self.redis.ping)
