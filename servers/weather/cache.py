"""Mongo cache of weather API answers, each kept for ``ttl_s`` seconds.

Freshness is decided here against an injected clock (so tests move time instead of sleeping);
a TTL index on ``expires_at`` — always wall-clock time, since that is what Mongo's reaper compares
against — lets Mongo also delete stale entries on its own. The cache is
best effort: when Mongo fails, a read is a miss and a write is skipped (logged), so a broken cache
slows the server down but never fails a call that the weather API can answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

Clock = Callable[[], float]
CACHE_COLLECTION = "weather_cache"


class WeatherCache:
    """``get``/``put`` JSON-able values by key in a Mongo collection, expiring after ``ttl_s``."""

    def __init__(self, collection: Any, ttl_s: float, clock: Clock = time.time) -> None:
        self.collection = collection
        self.ttl_s = ttl_s
        self.clock = clock

    async def ensure_indexes(self) -> None:
        try:
            await self.collection.create_index("expires_at", expireAfterSeconds=0)
        except Exception as exc:  # best effort: freshness is checked on read anyway
            log.warning("weather cache: cannot create TTL index: %s", exc)

    async def get(self, key: str) -> Any | None:
        """The cached value, or None when absent, expired or Mongo fails."""
        if self.ttl_s <= 0:
            return None
        try:
            document = await self.collection.find_one({"_id": key})
        except Exception as exc:
            log.warning("weather cache: read of %s failed: %s", key, exc)
            return None
        if document is None or document.get("expires_at_s", 0) <= self.clock():
            return None
        return document.get("value")

    async def put(self, key: str, value: Any) -> None:
        if self.ttl_s <= 0:
            return
        now = self.clock()
        expires = now + self.ttl_s
        document = {
            "value": value,
            "stored_at_s": now,
            "expires_at_s": expires,
            "expires_at": datetime.fromtimestamp(time.time() + self.ttl_s, UTC),
        }
        try:
            await self.collection.replace_one({"_id": key}, document, upsert=True)
        except Exception as exc:
            log.warning("weather cache: write of %s failed: %s", key, exc)
