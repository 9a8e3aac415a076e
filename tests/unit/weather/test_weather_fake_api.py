"""The fake Open-Meteo: real response shapes, deterministic data, Open-Meteo-style errors, admin API."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest

from harness.fakes.weather_api import WeatherApi, create_weather_api
from harness.fixtures.weather import ManualClock

pytestmark = pytest.mark.anyio

FULL_QUERY: dict[str, Any] = {
    "latitude": 52.52,
    "longitude": 13.41,
    "current": "temperature_2m,relative_humidity_2m,wind_speed_10m,weather_code",
    "daily": "temperature_2m_max,temperature_2m_min,precipitation_sum,weather_code",
    "forecast_days": 3,
    "timezone": "auto",
}


@asynccontextmanager
async def http_to(api: WeatherApi) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        yield client


async def test_search_finds_a_city_with_open_meteo_fields(weather_api: WeatherApi) -> None:
    async with http_to(weather_api) as http:
        response = await http.get(
            "/v1/search", params={"name": "berlin", "count": 1, "language": "en", "format": "json"}
        )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "generationtime_ms"}
    (berlin,) = body["results"]
    assert {"id", "name", "latitude", "longitude", "country", "country_code", "timezone"} <= set(berlin)
    assert (berlin["name"], berlin["country_code"], berlin["timezone"]) == ("Berlin", "DE", "Europe/Berlin")
    assert berlin["latitude"] == pytest.approx(52.52, abs=0.01)


async def test_search_without_match_has_no_results_key(weather_api: WeatherApi) -> None:
    async with http_to(weather_api) as http:
        body = (await http.get("/v1/search", params={"name": "Atlantis"})).json()
    assert "results" not in body
    assert "generationtime_ms" in body


async def test_forecast_has_the_open_meteo_shape(weather_api: WeatherApi) -> None:
    async with http_to(weather_api) as http:
        body = (await http.get("/v1/forecast", params=FULL_QUERY)).json()
    assert body["timezone"] == "Europe/Berlin"
    assert body["current_units"]["temperature_2m"] == "°C"
    assert {
        "time",
        "interval",
        "temperature_2m",
        "relative_humidity_2m",
        "wind_speed_10m",
        "weather_code",
    } == set(body["current"])
    assert body["current"]["interval"] == 900
    daily = body["daily"]
    assert daily["time"] == ["2026-01-15", "2026-01-16", "2026-01-17"]
    for column in ("temperature_2m_max", "temperature_2m_min", "precipitation_sum", "weather_code"):
        assert len(daily[column]) == 3
    assert all(
        hi >= lo for hi, lo in zip(daily["temperature_2m_max"], daily["temperature_2m_min"], strict=True)
    )
    assert body["daily_units"]["precipitation_sum"] == "mm"


async def test_forecast_is_deterministic_per_place_and_date() -> None:
    clock = ManualClock()
    first, second = create_weather_api(clock=clock), create_weather_api(clock=clock)
    async with http_to(first) as a, http_to(second) as b:
        one = (await a.get("/v1/forecast", params=FULL_QUERY)).json()
        two = (await b.get("/v1/forecast", params=FULL_QUERY)).json()
        elsewhere = (await a.get("/v1/forecast", params=FULL_QUERY | {"latitude": -33.87})).json()
    one.pop("generationtime_ms"), two.pop("generationtime_ms")
    assert one == two
    assert elsewhere["daily"]["temperature_2m_max"] != one["daily"]["temperature_2m_max"]


async def test_southern_summer_is_warmer_than_northern_winter_in_january(weather_api: WeatherApi) -> None:
    query: dict[str, Any] = {"daily": "temperature_2m_max", "forecast_days": 7}
    async with http_to(weather_api) as http:
        oslo_like = (await http.get("/v1/forecast", params=query | {"latitude": 60, "longitude": 10})).json()
        sydney_like = (
            await http.get("/v1/forecast", params=query | {"latitude": -34, "longitude": 151})
        ).json()
    assert min(sydney_like["daily"]["temperature_2m_max"]) > max(oslo_like["daily"]["temperature_2m_max"])


@pytest.mark.parametrize(
    ("params", "reason_part"),
    [
        ({"latitude": 100, "longitude": 0}, "Latitude must be in range of -90 to 90"),
        ({"latitude": 0, "longitude": 200}, "Longitude must be in range of -180 to 180"),
        ({"longitude": 0}, "'latitude' is required"),
        ({"latitude": "north", "longitude": 0}, "invalid String value north"),
        ({"latitude": 0, "longitude": 0, "forecast_days": 17}, "Forecast days is invalid"),
        ({"latitude": 0, "longitude": 0, "daily": "snowmen"}, "invalid String value snowmen"),
        ({"latitude": 0, "longitude": 0, "timezone": "Mars/Olympus"}, "Invalid timezone"),
    ],
)
async def test_forecast_refuses_bad_parameters_like_open_meteo(
    weather_api: WeatherApi, params: dict[str, Any], reason_part: str
) -> None:
    async with http_to(weather_api) as http:
        response = await http.get("/v1/forecast", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] is True
    assert reason_part in body["reason"]


async def test_search_refuses_missing_name_and_bad_count(weather_api: WeatherApi) -> None:
    async with http_to(weather_api) as http:
        missing = await http.get("/v1/search")
        bad_count = await http.get("/v1/search", params={"name": "Berlin", "count": 0})
    assert missing.status_code == bad_count.status_code == 400
    assert "name" in missing.json()["reason"]
    assert "count" in bad_count.json()["reason"]


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_status_fault_answers_with_that_status_then_clears(
    weather_api: WeatherApi, status: int
) -> None:
    async with http_to(weather_api) as http:
        added = await http.post("/admin/faults", json={"kind": "status", "status": status})
        assert added.status_code == 201
        faulted = await http.get("/v1/search", params={"name": "Paris"})
        assert faulted.status_code == status
        assert faulted.json() == {"error": True, "reason": f"injected fault: HTTP {status}"}
        if status == 429:
            assert faulted.headers["retry-after"] == "1"
        assert (await http.delete("/admin/faults")).json() == {"cleared": 1}
        assert (await http.get("/v1/search", params={"name": "Paris"})).status_code == 200


async def test_fault_scoped_to_a_path_spares_the_other(weather_api: WeatherApi) -> None:
    weather_api.inject(kind="status", status=500, path="/v1/forecast")
    async with http_to(weather_api) as http:
        assert (await http.get("/v1/forecast", params={"latitude": 0, "longitude": 0})).status_code == 500
        assert (await http.get("/v1/search", params={"name": "Paris"})).status_code == 200


async def test_counted_fault_fires_exactly_count_times(weather_api: WeatherApi) -> None:
    async with http_to(weather_api) as http:
        await http.post("/admin/faults", json={"kind": "status", "status": 503, "count": 2})
        codes = [(await http.get("/v1/search", params={"name": "Rome"})).status_code for _ in range(3)]
        assert codes == [503, 503, 200]
        assert (await http.get("/admin/faults")).json() == {"faults": []}


async def test_malformed_fault_returns_broken_json(weather_api: WeatherApi) -> None:
    weather_api.inject(kind="malformed")
    async with http_to(weather_api) as http:
        response = await http.get("/v1/forecast", params={"latitude": 0, "longitude": 0})
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


async def test_slow_fault_delays_the_answer(weather_api: WeatherApi) -> None:
    weather_api.inject(kind="slow", delay_s=0.2, path="/v1/search")
    async with http_to(weather_api) as http:
        started = time.perf_counter()
        with anyio.fail_after(5):
            response = await http.get("/v1/search", params={"name": "Lima"})
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed >= 0.19  # the injected 0.2 s delay (timer granularity aside)


async def test_admin_lists_and_deletes_single_faults(weather_api: WeatherApi) -> None:
    async with http_to(weather_api) as http:
        first = (await http.post("/admin/faults", json={"kind": "malformed", "path": "/v1/search"})).json()
        await http.post("/admin/faults", json={"kind": "slow", "delay_s": 1.5, "path": "*"})
        listed = (await http.get("/admin/faults")).json()["faults"]
        assert [(f["kind"], f["path"]) for f in listed] == [("malformed", "/v1/search"), ("slow", None)]
        assert (await http.delete(f"/admin/faults/{first['id']}")).json() == {"cleared": 1}
        missing = await http.delete(f"/admin/faults/{first['id']}")
        assert missing.status_code == 404
        assert "no active fault" in missing.json()["error"]
        assert [f["kind"] for f in (await http.get("/admin/faults")).json()["faults"]] == ["slow"]


@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        ({"kind": "status"}, "needs 'status'"),
        ({"kind": "status", "status": 200}, "status"),
        ({"kind": "slow"}, "needs 'delay_s'"),
        ({"kind": "slow", "delay_s": -1}, "delay_s"),
        ({"kind": "explode"}, "kind"),
        ({"kind": "malformed", "path": "/v2/nothing"}, "unknown path"),
        ({"kind": "malformed", "count": 0}, "count"),
        ({"kind": "malformed", "colour": "red"}, "colour"),
        ([1, 2], "JSON object"),
    ],
)
async def test_bad_admin_input_is_a_400_with_a_json_error(
    weather_api: WeatherApi, body: Any, message_part: str
) -> None:
    async with http_to(weather_api) as http:
        response = await http.post("/admin/faults", json=body)
    assert response.status_code == 400
    assert message_part in response.json()["error"]
    assert weather_api.faults.faults == []


async def test_non_json_admin_body_is_a_400(weather_api: WeatherApi) -> None:
    async with http_to(weather_api) as http:
        response = await http.post("/admin/faults", content=b"{not json")
        bad_id = await http.delete("/admin/faults/abc")
    assert response.status_code == 400
    assert "JSON object" in response.json()["error"]
    assert bad_id.status_code == 400


async def test_stats_count_api_requests_only_and_reset(weather_api: WeatherApi) -> None:
    weather_api.inject(kind="status", status=500, path="/v1/search", count=1)
    async with http_to(weather_api) as http:
        await http.get("/v1/search", params={"name": "Oslo"})
        await http.get("/v1/search", params={"name": "Oslo"})
        await http.get("/v1/forecast", params={"latitude": 0, "longitude": 0})
        await http.get("/admin/faults")
        stats = (await http.get("/admin/stats")).json()
        assert stats == {"total": 3, "requests": {"/v1/search": 2, "/v1/forecast": 1}, "faults_fired": 1}
        assert (await http.delete("/admin/stats")).json()["total"] == 0
    assert weather_api.stats.total == 0
