"""Backend factories: embedded by default, the real thing by setting (real redis-server here)."""

from __future__ import annotations

import pytest

from servers.common.mongo import open_mongo, ping_mongo
from servers.common.redis import open_redis
from servers.common.settings import MongoSettings, RedisSettings

pytestmark = pytest.mark.anyio


async def test_embedded_mongo_roundtrip() -> None:
    async with open_mongo(MongoSettings()) as db:
        await ping_mongo(db)
        await db.things.insert_one({"_id": "a", "n": 1})
        assert (await db.things.find_one({"_id": "a"}))["n"] == 1


async def test_embedded_redis_roundtrip() -> None:
    async with open_redis(RedisSettings()) as redis:
        await redis.set("k", "v")
        assert await redis.get("k") == "v"


async def test_real_redis_roundtrip(redis_url: str) -> None:
    async with open_redis(RedisSettings(url=redis_url)) as redis:
        await redis.set("k", "real")
        assert await redis.get("k") == "real"
        info = await redis.info("server")
        assert "redis_version" in info  # a real server, not fakeredis' stand-in


def test_env_selects_real_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic_settings import SettingsConfigDict

    from servers.common.settings import ServerSettings

    class DemoSettings(ServerSettings):
        model_config = SettingsConfigDict(env_prefix="MCPH_DEMO_", env_nested_delimiter="__", extra="ignore")

    monkeypatch.setenv("MCPH_DEMO_REDIS__URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("MCPH_DEMO_PORT", "8123")
    settings = DemoSettings()
    assert settings.redis.url == "redis://127.0.0.1:1/0"
    assert settings.port == 8123
    assert settings.mongo.url is None
