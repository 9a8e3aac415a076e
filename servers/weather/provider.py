"""The weather API client: Open-Meteo's geocoding and forecast endpoints, with their real shapes.

:class:`WeatherProvider` sends the same requests as a user would to open-meteo.com (so ``api_url``
and ``geocoding_url`` may point at the real service) and validates every answer against the
models below; transport failures, timeouts, HTTP errors and payloads of the wrong shape all raise
:class:`~servers.common.errors.BackendError` naming which API failed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError, model_validator

from servers.common.errors import BackendBadResponse
from servers.common.http import get_json, make_http_client
from servers.common.settings import HttpClientSettings

WEATHER_API = "weather API"
GEOCODING_API = "geocoding API"
CURRENT_VARIABLES = "temperature_2m,relative_humidity_2m,wind_speed_10m,weather_code"
DAILY_VARIABLES = "temperature_2m_max,temperature_2m_min,precipitation_sum,weather_code"
EMBEDDED_BASE_URL = "http://weather-api.embedded"
ModelT = TypeVar("ModelT", bound=BaseModel)


class GeoResult(BaseModel):
    """One ``results`` entry of ``/v1/search`` (fields we use; the rest are ignored)."""

    id: int | None = None
    name: str
    latitude: float
    longitude: float
    country: str | None = None
    country_code: str | None = None
    timezone: str | None = None


class GeocodingAnswer(BaseModel):
    """``/v1/search``: no ``results`` key at all when nothing matched."""

    results: list[GeoResult] = []


class CurrentBlock(BaseModel):
    time: str
    temperature_2m: float
    relative_humidity_2m: float
    wind_speed_10m: float
    weather_code: int


class DailyBlock(BaseModel):
    """Daily columns; Open-Meteo sends null where a model has no value (often the last days)."""

    time: list[str]
    temperature_2m_max: list[float | None]
    temperature_2m_min: list[float | None]
    precipitation_sum: list[float | None]
    weather_code: list[int | None]

    @model_validator(mode="after")
    def same_lengths(self) -> DailyBlock:
        lengths = {
            len(column)
            for column in (
                self.time,
                self.temperature_2m_max,
                self.temperature_2m_min,
                self.precipitation_sum,
                self.weather_code,
            )
        }
        if len(lengths) != 1:
            raise ValueError("daily columns have different lengths")
        return self


class CurrentAnswer(BaseModel):
    latitude: float
    longitude: float
    timezone: str
    current: CurrentBlock


class DailyAnswer(BaseModel):
    latitude: float
    longitude: float
    timezone: str
    daily: DailyBlock


def parse_answer(model: type[ModelT], payload: Any, backend: str) -> ModelT:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "payload"
        raise BackendBadResponse(backend, f"unexpected payload ({where}: {first['msg']})") from exc


class WeatherProvider:
    """Ask the weather and geocoding APIs; every call is bounded by ``total_timeout_s``."""

    def __init__(
        self, forecast_client: httpx.AsyncClient, geocoding_client: httpx.AsyncClient, total_timeout_s: float
    ) -> None:
        self.forecast_client = forecast_client
        self.geocoding_client = geocoding_client
        self.total_timeout_s = total_timeout_s

    async def geocode(self, name: str) -> GeoResult | None:
        """The best match for a place name, or None when the API knows no such place."""
        params = {"name": name, "count": 1, "language": "en", "format": "json"}
        payload = await get_json(
            self.geocoding_client, GEOCODING_API, "/v1/search", params, self.total_timeout_s
        )
        answer = parse_answer(GeocodingAnswer, payload, GEOCODING_API)
        return answer.results[0] if answer.results else None

    async def current(self, latitude: float, longitude: float) -> CurrentAnswer:
        params = {
            "latitude": latitude,
            "longitude": longitude,
            "current": CURRENT_VARIABLES,
            "timezone": "auto",
        }
        payload = await get_json(
            self.forecast_client, WEATHER_API, "/v1/forecast", params, self.total_timeout_s
        )
        return parse_answer(CurrentAnswer, payload, WEATHER_API)

    async def daily(self, latitude: float, longitude: float, days: int) -> DailyAnswer:
        params = {
            "latitude": latitude,
            "longitude": longitude,
            "daily": DAILY_VARIABLES,
            "forecast_days": days,
            "timezone": "auto",
        }
        payload = await get_json(
            self.forecast_client, WEATHER_API, "/v1/forecast", params, self.total_timeout_s
        )
        answer = parse_answer(DailyAnswer, payload, WEATHER_API)
        if len(answer.daily.time) != days:
            raise BackendBadResponse(WEATHER_API, f"asked for {days} days, got {len(answer.daily.time)}")
        return answer

    async def probe_weather_api(self) -> None:
        """A cheap request for health checks: one current variable at 0°, 0°."""
        params = {"latitude": 0, "longitude": 0, "current": "temperature_2m"}
        await get_json(self.forecast_client, WEATHER_API, "/v1/forecast", params, self.total_timeout_s)

    async def probe_geocoding_api(self) -> None:
        params = {"name": "Berlin", "count": 1, "language": "en", "format": "json"}
        await get_json(self.geocoding_client, GEOCODING_API, "/v1/search", params, self.total_timeout_s)


@asynccontextmanager
async def open_provider(
    http: HttpClientSettings,
    api_url: str | None,
    geocoding_url: str | None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[WeatherProvider]:
    """Clients for both APIs; ``transport`` (an ASGI app) replaces the network when no URL is set."""
    if api_url is None and transport is None:
        raise ValueError("set api_url, or pass a transport for an in-process weather API")
    forecast_base = api_url or EMBEDDED_BASE_URL
    geocoding_base = geocoding_url or forecast_base
    async with AsyncExitStack() as stack:
        forecast_client = await stack.enter_async_context(
            make_http_client(http, forecast_base, None if api_url else transport)
        )
        geocoding_client = await stack.enter_async_context(
            make_http_client(http, geocoding_base, None if geocoding_url or api_url else transport)
        )
        yield WeatherProvider(forecast_client, geocoding_client, http.total_timeout_s)
