"""The weather MCP server: ``get_weather``, ``get_forecast``, ``get_history`` and ``health``.

Tools resolve a place (a city name through the geocoding API, or coordinates), ask the weather API
through :class:`~servers.weather.provider.WeatherProvider`, reuse answers from the Mongo
:class:`~servers.weather.cache.WeatherCache`, and record every fresh reading in the
:class:`~servers.weather.history.ObservationLog`. Backend failures are typed
(:mod:`servers.common.errors`) and mapped here, once, to ``ToolError`` (an ``isError`` result that
says which API failed and how).

With ``api_url`` unset the server talks to the embedded fake weather API in-process (through
``httpx.ASGITransport``, the same client code path as the network); the fake lives in
:mod:`servers.weather.fake_api` so the server never imports the harness.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from servers.common.errors import BackendError
from servers.common.health import BackendCheck, add_health_tool
from servers.common.mongo import open_mongo, ping_mongo
from servers.common.runner import ServerSpec
from servers.common.strict_server import ReferenceMCPServer
from servers.weather.cache import CACHE_COLLECTION, WeatherCache
from servers.weather.history import OBSERVATIONS_COLLECTION, ObservationLog
from servers.weather.models import (
    CurrentWeather,
    Forecast,
    ForecastDay,
    History,
    Observation,
    Place,
    describe_weather_code,
)
from servers.weather.provider import CurrentAnswer, DailyAnswer, WeatherProvider, open_provider
from servers.weather.settings import WeatherSettings

log = logging.getLogger(__name__)

Clock = Callable[[], float]
MAX_CITY_CHARS = 200
MAX_FORECAST_DAYS = 16
MAX_HISTORY = 100

CityName = Annotated[
    str | None,
    Field(min_length=1, max_length=MAX_CITY_CHARS, description="City name, e.g. 'Berlin'."),
]
Latitude = Annotated[float | None, Field(ge=-90, le=90, description="Latitude in degrees, -90..90.")]
Longitude = Annotated[float | None, Field(ge=-180, le=180, description="Longitude in degrees, -180..180.")]
Days = Annotated[int, Field(ge=1, le=MAX_FORECAST_DAYS, description="Number of days, 1..16.")]
HistoryLimit = Annotated[int, Field(ge=1, le=MAX_HISTORY, description="Most observations to return, 1..100.")]

LOOKUP = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=True)
LOCAL_READ = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


class WeatherService:
    """The tools' logic, independent of MCP: places, cached API answers, recorded observations."""

    def __init__(self, provider: WeatherProvider, cache: WeatherCache, observations: ObservationLog) -> None:
        self.provider = provider
        self.cache = cache
        self.observations = observations

    async def resolve_place(self, city: str | None, latitude: float | None, longitude: float | None) -> Place:
        if city is not None:
            if latitude is not None or longitude is not None:
                raise ToolError("give either city or latitude and longitude, not both")
            name = city.strip()
            if not name:
                raise ToolError("city must not be blank")
            return await self.geocode(name)
        if latitude is None or longitude is None:
            raise ToolError("give a city, or both latitude and longitude")
        return Place(name=f"{latitude:g},{longitude:g}", latitude=latitude, longitude=longitude)

    async def geocode(self, name: str) -> Place:
        key = f"geocode:{name.casefold()}"
        cached = await self.cache.get(key)
        if cached is not None:
            return Place.model_validate(cached)
        result = await self.provider.geocode(name)
        if result is None:
            raise ToolError(f"unknown city {name!r}: the geocoding API found no such place")
        place = Place(**result.model_dump(exclude={"id"}))
        await self.cache.put(key, place.model_dump())
        return place

    async def current(self, place: Place) -> CurrentWeather:
        key = f"current:{place.latitude:.4f},{place.longitude:.4f}"
        cached = await self.cache.get(key)
        if cached is not None:
            answer, from_cache = CurrentAnswer.model_validate(cached), True
        else:
            answer, from_cache = await self.provider.current(place.latitude, place.longitude), False
            await self.cache.put(key, answer.model_dump())
        now = answer.current
        place = place if place.timezone else place.model_copy(update={"timezone": answer.timezone})
        weather = CurrentWeather(
            place=place,
            observed_at=now.time,
            temperature_c=now.temperature_2m,
            relative_humidity_pct=now.relative_humidity_2m,
            wind_speed_kmh=now.wind_speed_10m,
            weather_code=now.weather_code,
            conditions=describe_weather_code(now.weather_code),
            cached=from_cache,
        )
        if not from_cache:
            await self.record(weather)
        return weather

    async def record(self, weather: CurrentWeather) -> None:
        observation = Observation(
            place=weather.place.name,
            latitude=weather.place.latitude,
            longitude=weather.place.longitude,
            recorded_at=self.observations.now_iso(),
            **weather.model_dump(exclude={"place", "cached"}),
        )
        try:
            await self.observations.record(observation)
        except BackendError as exc:  # the caller still gets the weather; health shows Mongo's state
            log.warning("weather: %s", exc)

    async def forecast(self, place: Place, days: int) -> Forecast:
        key = f"daily:{place.latitude:.4f},{place.longitude:.4f}:{days}"
        cached = await self.cache.get(key)
        if cached is not None:
            answer, from_cache = DailyAnswer.model_validate(cached), True
        else:
            answer, from_cache = await self.provider.daily(place.latitude, place.longitude, days), False
            await self.cache.put(key, answer.model_dump())
        daily = answer.daily
        forecast_days = [
            ForecastDay(
                date=daily.time[i],
                temperature_max_c=daily.temperature_2m_max[i],
                temperature_min_c=daily.temperature_2m_min[i],
                precipitation_mm=daily.precipitation_sum[i],
                weather_code=daily.weather_code[i],
                conditions=describe_weather_code(daily.weather_code[i]),
            )
            for i in range(len(daily.time))
        ]
        place = place if place.timezone else place.model_copy(update={"timezone": answer.timezone})
        return Forecast(place=place, timezone=answer.timezone, days=forecast_days, cached=from_cache)


def backend_failure(exc: BackendError) -> ToolError:
    return ToolError(str(exc))


def build_weather_server(settings: WeatherSettings, service: WeatherService, db: Any) -> MCPServer:
    """The MCP server around ``service``; every backend failure becomes a ``ToolError``."""
    server = ReferenceMCPServer(
        name="weather",
        instructions="Current weather, daily forecasts and recorded observations for any place.",
        log_level=settings.log_level,
    )

    @server.tool(annotations=LOOKUP)
    async def get_weather(
        city: CityName = None, latitude: Latitude = None, longitude: Longitude = None
    ) -> CurrentWeather:
        """Current conditions for a city name, or for latitude and longitude."""
        try:
            place = await service.resolve_place(city, latitude, longitude)
            return await service.current(place)
        except BackendError as exc:
            raise backend_failure(exc) from exc

    @server.tool(annotations=LOOKUP)
    async def get_forecast(
        city: CityName = None, latitude: Latitude = None, longitude: Longitude = None, days: Days = 7
    ) -> Forecast:
        """Daily forecast (max/min temperature, precipitation, conditions) for 1..16 days from today."""
        try:
            place = await service.resolve_place(city, latitude, longitude)
            return await service.forecast(place, days)
        except BackendError as exc:
            raise backend_failure(exc) from exc

    @server.tool(annotations=LOCAL_READ)
    async def get_history(city: CityName = None, limit: HistoryLimit = 20) -> History:
        """Observations this server recorded from the weather API, newest first; filter by city name."""
        try:
            observations = await service.observations.recent(city, limit)
        except BackendError as exc:
            raise backend_failure(exc) from exc
        return History(observations=observations)

    provider = service.provider
    add_health_tool(
        server,
        [
            BackendCheck("mongo", "mongo", lambda: ping_mongo(db)),
            BackendCheck("weather-api", "http", provider.probe_weather_api),
            BackendCheck("geocoding-api", "http", provider.probe_geocoding_api),
        ],
        timeout_s=settings.http.total_timeout_s,
    )
    return server


def embedded_api_transport(clock: Clock) -> httpx.AsyncBaseTransport:
    """The fake weather API, in-process, for when no ``api_url`` is configured."""
    from servers.weather.fake_api import create_weather_api

    return httpx.ASGITransport(app=create_weather_api(clock=clock).app)


@asynccontextmanager
async def open_weather(
    settings: WeatherSettings,
    clock: Clock = time.time,
    api_transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[MCPServer]:
    """Connect Mongo and the weather API and yield the server; ``api_transport`` overrides the fake."""
    if settings.api_url is None and api_transport is None:
        api_transport = embedded_api_transport(clock)
    async with (
        open_mongo(settings.mongo) as db,
        open_provider(settings.http, settings.api_url, settings.geocoding_url, api_transport) as provider,
    ):
        cache = WeatherCache(db[CACHE_COLLECTION], settings.cache_ttl_s, clock)
        await cache.ensure_indexes()
        service = WeatherService(provider, cache, ObservationLog(db[OBSERVATIONS_COLLECTION], clock))
        yield build_weather_server(settings, service, db)


WEATHER: ServerSpec[WeatherSettings] = ServerSpec("weather", WeatherSettings, open_weather)
