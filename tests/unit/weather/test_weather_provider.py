"""WeatherProvider: the real Open-Meteo requests, and every upstream failure as a typed BackendError."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
import httpx
import pytest

from harness.fakes.weather_api import WeatherApi
from servers.common.errors import BackendBadResponse, BackendTimeout, BackendUnavailable
from servers.common.settings import HttpClientSettings
from servers.weather.provider import WeatherProvider, open_provider

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def provider_for(
    transport: httpx.AsyncBaseTransport, total_timeout_s: float = 5.0
) -> AsyncIterator[WeatherProvider]:
    http = HttpClientSettings(total_timeout_s=total_timeout_s)
    async with open_provider(http, None, None, transport) as provider:
        yield provider


def answering(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    return httpx.MockTransport(handler)


async def test_geocode_and_forecast_against_the_fake(weather_api: WeatherApi) -> None:
    async with provider_for(httpx.ASGITransport(app=weather_api.app)) as provider:
        place = await provider.geocode("Tokyo")
        assert place is not None and place.country_code == "JP"
        current = await provider.current(place.latitude, place.longitude)
        daily = await provider.daily(place.latitude, place.longitude, 16)
        assert await provider.geocode("Atlantis") is None
    assert current.timezone == "Asia/Tokyo"
    assert len(daily.daily.time) == 16


async def test_requests_carry_open_meteo_parameters() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    async with provider_for(answering(handler)) as provider:
        await provider.geocode("Berlin")
        with pytest.raises(BackendBadResponse):
            await provider.daily(1.5, 2.5, 4)
    search, forecast = seen
    assert search.url.path == "/v1/search"
    assert dict(search.url.params) == {"name": "Berlin", "count": "1", "language": "en", "format": "json"}
    assert forecast.url.path == "/v1/forecast"
    assert (
        forecast.url.params["daily"] == "temperature_2m_max,temperature_2m_min,precipitation_sum,weather_code"
    )
    assert (forecast.url.params["forecast_days"], forecast.url.params["timezone"]) == ("4", "auto")


async def test_open_meteo_400_reason_is_kept() -> None:
    body = {"error": True, "reason": "Latitude must be in range of -90 to 90°. Given: 91.0."}
    async with provider_for(answering(lambda _: httpx.Response(400, json=body))) as provider:
        with pytest.raises(BackendBadResponse, match=r"weather API: HTTP 400: .*Latitude must be in range"):
            await provider.current(91, 0)


async def test_wrong_shape_is_a_bad_response_naming_the_field() -> None:
    payload = {"latitude": 1, "longitude": 2, "timezone": "GMT", "current": {"time": "x"}}
    async with provider_for(answering(lambda _: httpx.Response(200, json=payload))) as provider:
        with pytest.raises(
            BackendBadResponse, match=r"weather API: unexpected payload \(current\.temperature_2m"
        ):
            await provider.current(1, 2)


async def test_ragged_daily_columns_and_wrong_day_count_are_bad_responses() -> None:
    daily = {
        "time": ["2026-01-15", "2026-01-16"],
        "temperature_2m_max": [1.0],
        "temperature_2m_min": [0.0, 0.0],
        "precipitation_sum": [0.0, 0.0],
        "weather_code": [0, 0],
    }
    payload = {"latitude": 1, "longitude": 2, "timezone": "GMT", "daily": daily}
    async with provider_for(answering(lambda _: httpx.Response(200, json=payload))) as provider:
        with pytest.raises(BackendBadResponse, match="different lengths"):
            await provider.daily(1, 2, 2)
    daily["temperature_2m_max"] = [1.0, 2.0]
    async with provider_for(answering(lambda _: httpx.Response(200, json=payload))) as provider:
        with pytest.raises(BackendBadResponse, match="asked for 3 days, got 2"):
            await provider.daily(1, 2, 3)


async def test_malformed_json_is_a_bad_response(weather_api: WeatherApi) -> None:
    weather_api.inject(kind="malformed")
    async with provider_for(httpx.ASGITransport(app=weather_api.app)) as provider:
        with pytest.raises(BackendBadResponse, match="geocoding API: malformed JSON"):
            await provider.geocode("Berlin")


async def test_slow_api_times_out_at_the_total_deadline(weather_api: WeatherApi) -> None:
    weather_api.inject(kind="slow", delay_s=5)
    async with provider_for(httpx.ASGITransport(app=weather_api.app), total_timeout_s=0.3) as provider:
        started = time.perf_counter()
        with (
            anyio.fail_after(3),
            pytest.raises(BackendTimeout, match=r"weather API: no answer within 0\.3 s"),
        ):
            await provider.current(0, 0)
    assert time.perf_counter() - started < 2.0


async def test_unreachable_api_is_unavailable() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with anyio.fail_after(5):
        async with open_provider(HttpClientSettings(), f"http://127.0.0.1:{closed_port}", None) as provider:
            with pytest.raises(BackendUnavailable, match="weather API: unreachable"):
                await provider.current(0, 0)


async def test_provider_needs_a_url_or_a_transport() -> None:
    with pytest.raises(ValueError, match="set api_url"):
        async with open_provider(HttpClientSettings(), None, None):
            pass


@pytest.mark.parametrize(
    ("api_url", "geocoding_url", "expected_geocoding"),
    [
        (
            "https://api.open-meteo.com",
            "https://geocoding-api.open-meteo.com",
            "https://geocoding-api.open-meteo.com",
        ),
        ("http://127.0.0.1:8080", None, "http://127.0.0.1:8080"),
    ],
)
async def test_geocoding_goes_to_its_own_url_or_the_api_url(
    api_url: str, geocoding_url: str | None, expected_geocoding: str
) -> None:
    async with open_provider(HttpClientSettings(), api_url, geocoding_url) as provider:
        assert str(provider.forecast_client.base_url).rstrip("/") == api_url
        assert str(provider.geocoding_client.base_url).rstrip("/") == expected_geocoding


async def test_null_daily_values_from_open_meteo_are_accepted() -> None:
    daily = {
        "time": ["2026-01-15"],
        "temperature_2m_max": [None],
        "temperature_2m_min": [None],
        "precipitation_sum": [None],
        "weather_code": [None],
    }
    payload = {"latitude": 1, "longitude": 2, "timezone": "GMT", "daily": daily}
    async with provider_for(answering(lambda _: httpx.Response(200, json=payload))) as provider:
        answer = await provider.daily(1, 2, 1)
    assert answer.daily.temperature_2m_max == [None]
