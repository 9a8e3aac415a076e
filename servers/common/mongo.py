"""Mongo database factory: mongomock-motor in memory by default, motor for a real URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from servers.common.settings import MongoSettings


@asynccontextmanager
async def open_mongo(settings: MongoSettings) -> AsyncIterator[Any]:
    """Yield a motor-compatible database; the client is closed on exit."""
    if settings.url:
        from motor.motor_asyncio import AsyncIOMotorClient

        timeout_ms = int(settings.timeout_s * 1000)
        client: Any = AsyncIOMotorClient(
            settings.url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
        )
    else:
        from mongomock_motor import AsyncMongoMockClient

        client = AsyncMongoMockClient()
    try:
        yield client[settings.database]
    finally:
        client.close()


async def ping_mongo(db: Any) -> None:
    """Raise if the database does not answer a ping."""
    await db.command("ping")
