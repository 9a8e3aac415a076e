"""The weather tools as a user sees them through an MCP client: answers, cache, TTL, faults, bad input."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.types import TextContent

from harness.fakes.weather_api import WeatherApi
from harness.fixtures.weather import ManualClock
from harness.launch.connect import connect_server
from servers.common.runner import ServerSpec
from servers.weather.settings import WeatherSettings

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def weather_client(spec: ServerSpec[WeatherSettings], **settings: Any) -> AsyncIterator[Client]:
    with anyio.fail_after(20):
        async with connect_server(spec, WeatherSettings(**settings), "memory") as client:
            yield client


async def call(client: Client, tool: str, **arguments: Any) -> Any:
    with anyio.fail_after(10):
        return await client.call_tool(tool, arguments)


def error_text(result: Any) -> str:
    assert result.is_error, f"expected an error, got {result.structured_content}"
    content = result.content[0]
    assert isinstance(content, TextContent)
    return content.text


async def test_get_weather_by_city_and_by_coordinates(weather_spec: ServerSpec[WeatherSettings]) -> None:
    async with weather_client(weather_spec) as client:
        by_city = await call(client, "get_weather", city="Buenos Aires")
        by_point = await call(client, "get_weather", latitude=-34.61315, longitude=-58.37723)
    assert not by_city.is_error and not by_point.is_error
    city, point = by_city.structured_content, by_point.structured_content
    assert city["place"] | {"latitude": round(city["place"]["latitude"], 2)} == {
        "name": "Buenos Aires",
        "latitude": -34.61,
        "longitude": -58.37723,
        "country": "Argentina",
        "country_code": "AR",
        "timezone": "America/Argentina/Buenos_Aires",
    }
    assert city["observed_at"] == "2026-01-15T09:00"  # 12:00 UTC in Buenos Aires (UTC-3)
    assert point["place"]["name"] == "-34.6131,-58.3772"
    assert point["place"]["timezone"] == "America/Argentina/Buenos_Aires"
    same_reading = ("temperature_c", "relative_humidity_pct", "wind_speed_kmh", "weather_code", "conditions")
    assert {k: city[k] for k in same_reading} == {k: point[k] for k in same_reading}


async def test_get_forecast_returns_the_requested_days(weather_spec: ServerSpec[WeatherSettings]) -> None:
    async with weather_client(weather_spec) as client:
        result = await call(client, "get_forecast", city="Sydney", days=16)
        one_day = await call(client, "get_forecast", latitude=0, longitude=0, days=1)
    forecast = result.structured_content
    assert forecast["timezone"] == "Australia/Sydney"
    assert len(forecast["days"]) == 16
    assert forecast["days"][0]["date"] == "2026-01-15" and forecast["days"][-1]["date"] == "2026-01-30"
    assert all(d["temperature_max_c"] >= d["temperature_min_c"] for d in forecast["days"])
    assert all(d["conditions"] and "unknown" not in d["conditions"] for d in forecast["days"])
    assert len(one_day.structured_content["days"]) == 1


async def test_second_call_is_served_from_the_cache(
    weather_spec: ServerSpec[WeatherSettings], weather_api: WeatherApi
) -> None:
    async with weather_client(weather_spec) as client:
        first = await call(client, "get_weather", city="Berlin")
        requests_after_first = weather_api.stats.total
        second = await call(client, "get_weather", city="berlin")
        forecast = await call(client, "get_forecast", city="Berlin", days=3)
        forecast_again = await call(client, "get_forecast", city="Berlin", days=3)
    assert requests_after_first == 2  # one geocoding + one forecast request
    assert (first.structured_content["cached"], second.structured_content["cached"]) == (False, True)
    assert {**first.structured_content, "cached": True} == second.structured_content
    assert (forecast.structured_content["cached"], forecast_again.structured_content["cached"]) == (
        False,
        True,
    )
    assert weather_api.stats.requests == {"/v1/search": 1, "/v1/forecast": 2}


async def test_cache_entries_expire_after_the_ttl(
    weather_spec: ServerSpec[WeatherSettings], weather_api: WeatherApi, weather_clock: ManualClock
) -> None:
    async with weather_client(weather_spec, cache_ttl_s=60) as client:
        await call(client, "get_weather", city="Tokyo")
        weather_clock.advance(59)
        assert (await call(client, "get_weather", city="Tokyo")).structured_content["cached"] is True
        assert weather_api.stats.total == 2
        weather_clock.advance(2)
        fresh = await call(client, "get_weather", city="Tokyo")
    assert fresh.structured_content["cached"] is False
    assert weather_api.stats.requests == {"/v1/search": 2, "/v1/forecast": 2}


async def test_history_lists_fresh_readings_newest_first(
    weather_spec: ServerSpec[WeatherSettings], weather_clock: ManualClock
) -> None:
    async with weather_client(weather_spec, cache_ttl_s=60) as client:
        empty = await call(client, "get_history")
        await call(client, "get_weather", city="Paris")
        await call(client, "get_weather", city="Paris")  # cached: not a new reading
        weather_clock.advance(15 * 60)
        await call(client, "get_weather", city="Paris")  # the next 15-minute reading
        await call(client, "get_weather", city="Lima")
        everything = await call(client, "get_history")
        paris = await call(client, "get_history", city="paris", limit=5)
        latest = await call(client, "get_history", limit=1)
    assert empty.structured_content == {"observations": []}
    readings = [(o["place"], o["observed_at"]) for o in everything.structured_content["observations"]]
    assert readings == [
        ("Lima", "2026-01-15T07:15"),
        ("Paris", "2026-01-15T13:15"),
        ("Paris", "2026-01-15T13:00"),
    ]
    assert [o["place"] for o in paris.structured_content["observations"]] == ["Paris", "Paris"]
    assert [o["place"] for o in latest.structured_content["observations"]] == ["Lima"]


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"kind": "status", "status": 503}, "weather API: HTTP 503: "),
        ({"kind": "status", "status": 500}, "weather API: HTTP 500: "),
        ({"kind": "status", "status": 429}, "weather API: HTTP 429: "),
        ({"kind": "malformed"}, "weather API: malformed JSON"),
    ],
)
async def test_each_injected_fault_is_a_clear_error_and_nothing_is_kept(
    weather_spec: ServerSpec[WeatherSettings], weather_api: WeatherApi, fault: dict[str, Any], message: str
) -> None:
    async with weather_client(weather_spec) as client:
        weather_api.inject(**fault, path="/v1/forecast")
        weather = await call(client, "get_weather", city="Madrid")
        forecast = await call(client, "get_forecast", city="Madrid", days=2)
        history = await call(client, "get_history")
        weather_api.faults.clear()
        recovered = await call(client, "get_weather", city="Madrid")
    assert message in error_text(weather)
    assert message in error_text(forecast)
    assert history.structured_content == {"observations": []}
    assert recovered.structured_content["cached"] is False  # the failure was not cached


async def test_geocoding_faults_name_the_geocoding_api(
    weather_spec: ServerSpec[WeatherSettings], weather_api: WeatherApi
) -> None:
    weather_api.inject(kind="status", status=503, path="/v1/search")
    async with weather_client(weather_spec) as client:
        by_city = await call(client, "get_weather", city="Rome")
        by_point = await call(client, "get_weather", latitude=41.9, longitude=12.5)
    assert "geocoding API: HTTP 503" in error_text(by_city)
    assert not by_point.is_error


async def test_a_slow_api_fails_at_the_configured_deadline(
    weather_spec: ServerSpec[WeatherSettings], weather_api: WeatherApi
) -> None:
    weather_api.inject(kind="slow", delay_s=10, path="/v1/forecast")
    async with weather_client(weather_spec, http={"total_timeout_s": 0.3}) as client:
        started = time.perf_counter()
        result = await call(client, "get_weather", latitude=10, longitude=10)
        elapsed = time.perf_counter() - started
    assert "weather API: no answer within 0.3 s" in error_text(result)
    assert 0.25 <= elapsed < 3.0  # the deadline, not the 10 s delay


async def test_health_is_ok_then_degraded_when_the_api_fails(
    weather_spec: ServerSpec[WeatherSettings], weather_api: WeatherApi
) -> None:
    async with weather_client(weather_spec, http={"total_timeout_s": 0.5}) as client:
        healthy = (await call(client, "health")).structured_content
        weather_api.inject(kind="status", status=503, path="/v1/forecast")
        degraded = (await call(client, "health")).structured_content
        weather_api.faults.clear()
        weather_api.inject(kind="slow", delay_s=10, path="/v1/search")
        started = time.perf_counter()
        slow = (await call(client, "health")).structured_content
        elapsed = time.perf_counter() - started
    assert healthy["status"] == "ok"
    assert {b["name"]: b["ok"] for b in healthy["backends"]} == {
        "mongo": True,
        "weather-api": True,
        "geocoding-api": True,
    }
    assert degraded["status"] == "degraded"
    failing = {b["name"]: b["error"] for b in degraded["backends"] if not b["ok"]}
    assert list(failing) == ["weather-api"] and "HTTP 503" in failing["weather-api"]
    assert slow["status"] == "degraded"
    assert [b["name"] for b in slow["backends"] if not b["ok"]] == ["geocoding-api"]
    assert elapsed < 3.0


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("get_weather", {}, "give a city, or both latitude and longitude"),
        ("get_weather", {"latitude": 10}, "give a city, or both latitude and longitude"),
        ("get_weather", {"city": "Oslo", "latitude": 1, "longitude": 2}, "not both"),
        ("get_weather", {"city": ""}, "city"),
        ("get_weather", {"city": "   "}, "city must not be blank"),
        ("get_weather", {"city": "x" * 201}, "at most 200 characters"),
        ("get_weather", {"city": "x" * 1_000_000}, "at most 200 characters"),
        ("get_weather", {"city": 42}, "valid string"),
        ("get_weather", {"latitude": 90.5, "longitude": 0}, "latitude"),
        ("get_weather", {"latitude": 0, "longitude": -180.01}, "longitude"),
        ("get_weather", {"latitude": "north", "longitude": 0}, "latitude"),
        ("get_forecast", {"city": "Oslo", "days": 0}, "days"),
        ("get_forecast", {"city": "Oslo", "days": 17}, "less than or equal to 16"),
        ("get_forecast", {"city": "Oslo", "days": "a week"}, "days"),
        ("get_history", {"limit": 0}, "limit"),
        ("get_history", {"limit": 101}, "limit"),
    ],
)
async def test_bad_input_is_a_clear_error_that_reaches_no_api(
    weather_spec: ServerSpec[WeatherSettings],
    weather_api: WeatherApi,
    tool: str,
    arguments: dict[str, Any],
    message: str,
) -> None:
    async with weather_client(weather_spec) as client:
        result = await call(client, tool, **arguments)
        history = await call(client, "get_history")
    assert message in error_text(result)
    assert weather_api.stats.total == 0
    assert history.structured_content == {"observations": []}


async def test_unknown_city_is_a_clear_error_and_is_not_cached(
    weather_spec: ServerSpec[WeatherSettings], weather_api: WeatherApi
) -> None:
    async with weather_client(weather_spec) as client:
        first = await call(client, "get_weather", city="Atlantis")
        second = await call(client, "get_forecast", city="Atlantis")
        history = await call(client, "get_history")
    assert "unknown city 'Atlantis'" in error_text(first)
    assert "unknown city 'Atlantis'" in error_text(second)
    assert weather_api.stats.requests == {"/v1/search": 2}
    assert history.structured_content == {"observations": []}


async def test_tools_declare_their_hints_and_output_schemas(
    weather_spec: ServerSpec[WeatherSettings],
) -> None:
    async with weather_client(weather_spec) as client:
        with anyio.fail_after(10):
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == {"get_weather", "get_forecast", "get_history", "health"}
    for name in ("get_weather", "get_forecast"):
        hints = tools[name].annotations
        assert hints is not None
        assert (hints.read_only_hint, hints.idempotent_hint, hints.open_world_hint) == (True, True, True)
    history_hints = tools["get_history"].annotations
    assert history_hints is not None and history_hints.open_world_hint is False
    assert tools["get_weather"].output_schema is not None
    assert "temperature_c" in tools["get_weather"].output_schema["properties"]
    assert tools["get_forecast"].input_schema["properties"]["days"]["maximum"] == 16
