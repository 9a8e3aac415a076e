"""Rate limiting per caller: moving windows in memory, or in Redis with the ``limits`` library (shared by
replicas).

Moving-window limits (``"600/minute"``, parsed by ``limits``); a refused hit reports when the window
frees a slot, which the gateway sends as ``Retry-After``. In memory the window is a deque of hit times
per caller (:class:`MemoryRateLimiter`): ``limits``' async memory storage hands every expiry sweep to a
worker thread, which was 16 % of the gateway's CPU per call in its profile (``bench/profiles/``).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
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


def open_rate_limiter(default_limit: str, uri: str) -> RateLimiter | MemoryRateLimiter:
    """The limiter for ``uri``: ``memory://`` (this process) or Redis (shared)."""
    if uri.startswith("memory://"):
        return MemoryRateLimiter(default_limit)
    return RateLimiter(default_limit, open_storage(uri))


class MemoryRateLimiter:
    """Moving windows in this process: per caller and limit, the monotonic times of the hits in the window."""

    SWEEP_EVERY = 1024  # hits between sweeps of callers whose windows emptied

    def __init__(self, default_limit: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.default = parse(default_limit)
        self._clock = clock
        self._parsed: dict[str, RateLimitItem] = {}
        self._hits: dict[tuple[str, str | None], deque[float]] = {}
        self._until_sweep = self.SWEEP_EVERY

    async def hit(self, identity: str, limit: str | None = None) -> RateDecision:
        item = self.default if limit is None else self._parsed.get(limit) or self._parse(limit)
        now, window = self._clock(), item.get_expiry()
        self._sweep(now)
        hits = self._hits.setdefault((identity, limit), deque())
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= item.amount:
            return RateDecision(False, item.amount, 0, max(1, math.ceil(hits[0] + window - now)))
        hits.append(now)
        return RateDecision(True, item.amount, item.amount - len(hits), 0)

    def _parse(self, limit: str) -> RateLimitItem:
        self._parsed[limit] = parse(limit)
        return self._parsed[limit]

    def _sweep(self, now: float) -> None:
        self._until_sweep -= 1
        if self._until_sweep > 0:
            return
        self._until_sweep = self.SWEEP_EVERY
        longest = max((i.get_expiry() for i in (self.default, *self._parsed.values())), default=0)
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - longest]:
            del self._hits[key]


class RateLimiter:
    """One moving window per caller identity in a ``limits`` storage (Redis); each caller may carry its
    own limit string."""

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
