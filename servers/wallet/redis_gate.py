"""Every wallet Redis command passes through here: bounded concurrency, failures as ``redis unavailable``.

Why a bound: redis-py's asyncio pool *refuses* a command (``MaxConnectionsError``) once
``max_connections`` (100 by default) are in use, instead of waiting. Hundreds of concurrent balance
reads would then fail although Redis is healthy. The gate queues them (``redis_max_concurrency``,
below the pool size) so only a real Redis failure becomes
:class:`~servers.wallet.errors.WalletBackendDown`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from servers.wallet.errors import WalletBackendDown

T = TypeVar("T")


class RedisGate:
    """A Redis client plus a concurrency limit; ``call`` runs one command (or a short command sequence)."""

    def __init__(self, redis: aioredis.Redis, max_concurrency: int) -> None:
        self.redis = redis
        self.limiter = anyio.CapacityLimiter(max_concurrency)

    async def call(self, command: Callable[[], Awaitable[T]]) -> T:
        async with self.limiter:
            try:
                return await command()
            except (RedisError, OSError) as exc:
                raise WalletBackendDown("redis", f"{type(exc).__name__}: {exc}") from exc
