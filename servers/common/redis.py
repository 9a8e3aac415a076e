"""Redis client factory: fakeredis in memory by default, redis.asyncio for a real URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis

from servers.common.settings import RedisSettings


@asynccontextmanager
async def open_redis(settings: RedisSettings) -> AsyncIterator[aioredis.Redis]:
    """Yield an asyncio Redis client with timeouts; closed on exit."""
    if settings.url:
        # A blocking pool waits (up to the timeout) for a free connection instead of refusing the
        # command once max_connections are busy, which a burst of concurrent tool calls would hit.
        pool = aioredis.BlockingConnectionPool.from_url(
            settings.url,
            max_connections=settings.max_connections,
            timeout=settings.timeout_s,
            socket_timeout=settings.timeout_s,
            socket_connect_timeout=settings.timeout_s,
            decode_responses=True,
        )
        client: aioredis.Redis = aioredis.Redis(connection_pool=pool)
    else:
        import fakeredis

        client = fakeredis.FakeAsyncRedis(decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose(close_connection_pool=True)
