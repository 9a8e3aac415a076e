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
        client: aioredis.Redis = aioredis.from_url(
            settings.url,
            socket_timeout=settings.timeout_s,
            socket_connect_timeout=settings.timeout_s,
            decode_responses=True,
        )
    else:
        import fakeredis

        client = fakeredis.FakeAsyncRedis(decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()
