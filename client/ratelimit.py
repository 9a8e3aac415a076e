"""Rate limiting per caller with the ``limits`` library: in memory or in Redis (shared by replicas).

Moving-window limits (``"600/minute"``); a refused hit reports when the window frees a slot, which the
gateway sends as ``Retry-After``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after_s: int


def open_storage(uri: str) -> Storage:
    """``memory://`` or ``redis://host:port/db`` (redis-py underneath)."""
    if uri.startswith(("redis://", "rediss://")):
        storage = storage_from_string(f"async+{uri}", implementation="redispy")
    elif uri.startswith("memory://"):
        storage = storage_from_string("async+memory://")
    else:
        raise ValueError(f"unsupported rate-limit storage {uri!r}: use memory:// or redis://")
    assert isinstance(storage, Storage)
    return storage


class RateLimiter:
    """One moving window per caller identity; each caller may carry its own limit string."""

    def __init__(self, default_limit: str, storage: Storage) -> None:
        self.default = parse(default_limit)
        self.storage = storage
        self._strategy = MovingWindowRateLimiter(storage)
        self._parsed: dict[str, RateLimitItem] = {}

    def _item(self, limit: str | None) -> RateLimitItem:
        if limit is None:
            return self.default
        if limit not in self._parsed:
            self._parsed[limit] = parse(limit)
        return self._parsed[limit]

    async def hit(self, identity: str, limit: str | None = None) -> RateDecision:
        item = self._item(limit)
        allowed = await self._strategy.hit(item, identity)
        stats = await self._strategy.get_window_stats(item, identity)
        retry_after = 0 if allowed else max(1, math.ceil(stats.reset_time - time.time()))
        return RateDecision(allowed, item.amount, max(0, stats.remaining), retry_after)
