"""The Mongo cache (TTL on an injected clock, best effort on failure) and the observation log."""

from __future__ import annotations

from typing import Any

import pytest
from mongomock_motor import AsyncMongoMockClient

from harness.fixtures.weather import ManualClock
from servers.common.errors import BackendUnavailable
from servers.weather.cache import WeatherCache
from servers.weather.history import ObservationLog
from servers.weather.models import Observation

pytestmark = pytest.mark.anyio


def collection(name: str) -> Any:
    return AsyncMongoMockClient()["weather_test"][name]


class BrokenCollection:
    """A collection whose every operation fails, as a dead Mongo would."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("mongo is down")

        return fail


COORDINATES = {"Berlin": (52.52, 13.41), "Paris": (48.85, 2.35)}


def observation(place: str, observed_at: str, temperature: float = 10.0) -> Observation:
    latitude, longitude = COORDINATES[place]
    return Observation(
        place=place,
        latitude=latitude,
        longitude=longitude,
        observed_at=observed_at,
        recorded_at="2026-01-15T12:00:00+00:00",
        temperature_c=temperature,
        relative_humidity_pct=50,
        wind_speed_kmh=10,
        weather_code=0,
        conditions="clear sky",
    )


async def test_cached_value_lives_exactly_ttl_seconds() -> None:
    clock = ManualClock()
    cache = WeatherCache(collection("cache"), ttl_s=60, clock=clock)
    await cache.ensure_indexes()
    await cache.put("k", {"temperature": 3.5})
    clock.advance(59.5)
    assert await cache.get("k") == {"temperature": 3.5}
    clock.advance(0.5)
    assert await cache.get("k") is None


async def test_put_refreshes_an_entry() -> None:
    clock = ManualClock()
    cache = WeatherCache(collection("cache"), ttl_s=10, clock=clock)
    await cache.put("k", 1)
    clock.advance(8)
    await cache.put("k", 2)
    clock.advance(8)
    assert await cache.get("k") == 2


async def test_ttl_zero_disables_the_cache() -> None:
    cache = WeatherCache(collection("cache"), ttl_s=0, clock=ManualClock())
    await cache.put("k", 1)
    assert await cache.get("k") is None


async def test_broken_mongo_makes_the_cache_a_miss_not_a_failure() -> None:
    cache = WeatherCache(BrokenCollection(), ttl_s=60, clock=ManualClock())
    await cache.ensure_indexes()
    await cache.put("k", 1)
    assert await cache.get("k") is None


async def test_observations_are_newest_first_filtered_and_deduplicated() -> None:
    clock = ManualClock()
    log = ObservationLog(collection("observations"), clock=clock)
    await log.record(observation("Berlin", "2026-01-15T12:00"))
    clock.advance(1)
    await log.record(observation("Paris", "2026-01-15T12:00"))
    clock.advance(1)
    await log.record(observation("Paris", "2026-01-15T12:00"))  # the same reading again
    clock.advance(1)
    await log.record(observation("Berlin", "2026-01-15T12:15", temperature=11.0))
    everything = await log.recent(None, 10)
    assert [(o.place, o.observed_at) for o in everything] == [
        ("Berlin", "2026-01-15T12:15"),
        ("Paris", "2026-01-15T12:00"),
        ("Berlin", "2026-01-15T12:00"),
    ]
    assert [o.temperature_c for o in await log.recent(" berlin ", 10)] == [11.0, 10.0]
    assert len(await log.recent(None, 1)) == 1


async def test_observation_log_reports_mongo_failures_as_backend_errors() -> None:
    log = ObservationLog(BrokenCollection(), clock=ManualClock())
    with pytest.raises(BackendUnavailable, match="mongo: cannot record observation"):
        await log.record(observation("Berlin", "2026-01-15T12:00"))
    with pytest.raises(BackendUnavailable, match="mongo: cannot read observations"):
        await log.recent(None, 5)
