"""A fake Open-Meteo: geocoding (``/v1/search``) and forecast (``/v1/forecast``) with the real shapes.

Answers are deterministic (see :mod:`servers.weather.fake_api.data`), errors look like Open-Meteo's
(HTTP 400 ``{"error": true, "reason": ...}``), and an admin API injects application faults:

    POST   /admin/faults      {"kind": "status"|"malformed"|"slow", "status", "delay_s", "path", "count"}
    GET    /admin/faults      the active faults
    DELETE /admin/faults      clear all;  DELETE /admin/faults/{id}  clear one
    GET    /admin/stats       requests per API path and faults fired;  DELETE /admin/stats  reset

:func:`create_weather_api` returns the ASGI app and a :class:`WeatherApi` handle to the same fault
book and counters, so in-process tests need no HTTP to steer it. The weather server reaches this app
through ``httpx.ASGITransport`` by default, or over a socket when served (``mcp-harness up``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import anyio
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from servers.weather.fake_api.data import (
    City,
    current_conditions,
    daily_weather,
    nearest_city,
    search_cities,
)
from servers.weather.fake_api.faults import API_PATHS, Fault, FaultBook, FaultSpec, RequestStats

Clock = Callable[[], float]

CURRENT_UNITS: Mapping[str, str] = {
    "temperature_2m": "°C",
    "relative_humidity_2m": "%",
    "wind_speed_10m": "km/h",
    "weather_code": "wmo code",
    "precipitation": "mm",
}
DAILY_UNITS: Mapping[str, str] = {
    "temperature_2m_max": "°C",
    "temperature_2m_min": "°C",
    "precipitation_sum": "mm",
    "weather_code": "wmo code",
    "wind_speed_10m_max": "km/h",
}
MAX_FORECAST_DAYS = 16
MALFORMED_BODY = b'{"latitude": 52.52, "longitude": 13.41, "current": {"time": "2026-'


@dataclass
class WeatherApi:
    """A running fake: the ASGI app plus typed handles to its faults and request counters."""

    app: Starlette
    faults: FaultBook = field(default_factory=FaultBook)
    stats: RequestStats = field(default_factory=RequestStats)

    def inject(self, **spec: Any) -> Fault:
        """Add a fault, e.g. ``inject(kind="status", status=503, path="/v1/forecast")``."""
        return self.faults.add(FaultSpec(**spec))


class BadRequest(Exception):
    """A request Open-Meteo would refuse with HTTP 400 and a reason."""


def open_meteo_error(reason: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": True, "reason": reason}, status_code=status)


def admin_error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def parse_float(params: Mapping[str, str], name: str) -> float:
    raw = params.get(name)
    if raw is None or raw == "":
        raise BadRequest(f"Parameter '{name}' is required.")
    try:
        value = float(raw)
    except ValueError as exc:
        raise BadRequest(f"Cannot initialize Float from invalid String value {raw} for key {name}") from exc
    if value != value or value in (float("inf"), float("-inf")):
        raise BadRequest(f"Parameter '{name}' must be a finite number.")
    return value


def parse_int(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise BadRequest(f"Cannot initialize Int from invalid String value {raw} for key {name}") from exc


def parse_variables(params: Mapping[str, str], name: str, known: Mapping[str, str]) -> list[str]:
    raw = params.get(name, "")
    variables = [v.strip() for v in raw.split(",") if v.strip()]
    for variable in variables:
        if variable not in known:
            raise BadRequest(
                f"Cannot initialize WeatherVariable from invalid String value {variable} for key {name}"
            )
    return variables


def zone_for(city: City | None, timezone_param: str) -> tuple[str, ZoneInfo]:
    """Resolve ``timezone=auto`` from the nearest city (GMT far from any), or a named IANA zone."""
    name = city.timezone if (timezone_param == "auto" and city) else timezone_param
    if name in ("auto", "", "GMT", "UTC"):
        return "GMT", ZoneInfo("UTC")
    try:
        return name, ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadRequest(f"Invalid timezone: {name}") from exc


def geocoding_answer(params: Mapping[str, str]) -> dict[str, Any]:
    name = params.get("name", "")
    if not name.strip():
        raise BadRequest("Parameter 'name' is required.")
    count = parse_int(params, "count", 10)
    if not 1 <= count <= 100:
        raise BadRequest("Parameter count must be between 1 and 100.")
    started = time.perf_counter()
    # like Open-Meteo: one-character names match nothing
    cities = search_cities(name, count) if len(name.strip()) >= 2 else []
    answer: dict[str, Any] = {}
    if cities:
        answer["results"] = [
            {
                "id": city.id,
                "name": city.name,
                "latitude": city.latitude,
                "longitude": city.longitude,
                "elevation": city.elevation,
                "feature_code": "PPLC",
                "country_code": city.country_code,
                "timezone": city.timezone,
                "population": city.population,
                "country": city.country,
            }
            for city in cities
        ]
    answer["generationtime_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return answer


def forecast_answer(params: Mapping[str, str], now: datetime) -> dict[str, Any]:
    latitude = parse_float(params, "latitude")
    longitude = parse_float(params, "longitude")
    if not -90 <= latitude <= 90:
        raise BadRequest(f"Latitude must be in range of -90 to 90°. Given: {latitude}.")
    if not -180 <= longitude <= 180:
        raise BadRequest(f"Longitude must be in range of -180 to 180°. Given: {longitude}.")
    days = parse_int(params, "forecast_days", 7)
    if not 0 <= days <= MAX_FORECAST_DAYS:
        raise BadRequest(f"Forecast days is invalid. Allowed range 0 to {MAX_FORECAST_DAYS}.")
    current_vars = parse_variables(params, "current", CURRENT_UNITS)
    daily_vars = parse_variables(params, "daily", DAILY_UNITS)
    started = time.perf_counter()
    city = nearest_city(latitude, longitude)
    zone_name, zone = zone_for(city, params.get("timezone", "GMT"))
    local_now = now.astimezone(zone)
    offset = local_now.utcoffset() or timedelta(0)
    answer: dict[str, Any] = {
        "latitude": round(latitude, 4),
        "longitude": round(longitude, 4),
        "utc_offset_seconds": int(offset.total_seconds()),
        "timezone": zone_name,
        "timezone_abbreviation": local_now.tzname() or "GMT",
        "elevation": city.elevation if city else 0.0,
    }
    if current_vars:
        slot = local_now.replace(minute=local_now.minute - local_now.minute % 15, second=0, microsecond=0)
        conditions = current_conditions(latitude, longitude, slot.replace(tzinfo=None))
        values = {
            "temperature_2m": conditions.temperature,
            "relative_humidity_2m": conditions.relative_humidity,
            "wind_speed_10m": conditions.wind_speed,
            "weather_code": conditions.weather_code,
            "precipitation": conditions.precipitation,
        }
        answer["current_units"] = {"time": "iso8601", "interval": "seconds"} | {
            v: CURRENT_UNITS[v] for v in current_vars
        }
        answer["current"] = {"time": slot.strftime("%Y-%m-%dT%H:%M"), "interval": 900} | {
            v: values[v] for v in current_vars
        }
    if daily_vars:
        today = local_now.date()
        series = [daily_weather(latitude, longitude, today + timedelta(days=i)) for i in range(days)]
        columns = {
            "temperature_2m_max": [d.temperature_max for d in series],
            "temperature_2m_min": [d.temperature_min for d in series],
            "precipitation_sum": [d.precipitation_sum for d in series],
            "weather_code": [d.weather_code for d in series],
            "wind_speed_10m_max": [d.wind_speed_max for d in series],
        }
        answer["daily_units"] = {"time": "iso8601"} | {v: DAILY_UNITS[v] for v in daily_vars}
        answer["daily"] = {"time": [d.day.isoformat() for d in series]} | {v: columns[v] for v in daily_vars}
    answer["generationtime_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return answer


def create_weather_api(clock: Clock = time.time) -> WeatherApi:
    """Build the fake; ``clock`` (epoch seconds) decides what "now" and "today" are."""
    api = WeatherApi(app=Starlette())

    async def apply_faults(path: str) -> Response | None:
        for fault in api.faults.take(path):
            api.stats.faults_fired += 1
            if fault.kind == "slow" and fault.delay_s is not None:
                await anyio.sleep(fault.delay_s)
            elif fault.kind == "status" and fault.status is not None:
                headers = {"Retry-After": "1"} if fault.status == 429 else None
                response = open_meteo_error(f"injected fault: HTTP {fault.status}", fault.status)
                response.headers.update(headers or {})
                return response
            elif fault.kind == "malformed":
                return Response(MALFORMED_BODY, media_type="application/json")
        return None

    def api_endpoint(path: str, answer: Callable[[Mapping[str, str]], dict[str, Any]]) -> Route:
        async def endpoint(request: Request) -> Response:
            api.stats.requests[path] += 1
            faulted = await apply_faults(path)
            if faulted is not None:
                return faulted
            try:
                return JSONResponse(answer(request.query_params))
            except BadRequest as exc:
                return open_meteo_error(str(exc))

        return Route(path, endpoint, methods=["GET"])

    def forecast(params: Mapping[str, str]) -> dict[str, Any]:
        return forecast_answer(params, datetime.fromtimestamp(clock(), UTC))

    async def add_fault(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return admin_error("body must be a JSON object describing a fault")
        if not isinstance(body, dict):
            return admin_error("body must be a JSON object describing a fault")
        try:
            fault = api.faults.add(FaultSpec.model_validate(body))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()
            )
            return admin_error(f"invalid fault: {problems}")
        return JSONResponse(fault.model_dump(), status_code=201)

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"faults": [fault.model_dump() for fault in api.faults.faults]})

    async def clear_faults(request: Request) -> Response:
        return JSONResponse({"cleared": api.faults.clear()})

    async def clear_fault(request: Request) -> Response:
        raw = request.path_params["fault_id"]
        if not raw.isdigit():
            return admin_error(f"fault id must be a number, got {raw!r}")
        if not api.faults.remove(int(raw)):
            return admin_error(f"no active fault with id {raw}", status=404)
        return JSONResponse({"cleared": 1})

    async def stats(request: Request) -> Response:
        return JSONResponse(api.stats.as_json())

    async def reset_stats(request: Request) -> Response:
        api.stats.reset()
        return JSONResponse(api.stats.as_json())

    routes = [
        api_endpoint(API_PATHS[0], geocoding_answer),
        api_endpoint(API_PATHS[1], forecast),
        Route("/admin/faults", add_fault, methods=["POST"]),
        Route("/admin/faults", list_faults, methods=["GET"]),
        Route("/admin/faults", clear_faults, methods=["DELETE"]),
        Route("/admin/faults/{fault_id}", clear_fault, methods=["DELETE"]),
        Route("/admin/stats", stats, methods=["GET"]),
        Route("/admin/stats", reset_stats, methods=["DELETE"]),
    ]
    api.app.router.routes.extend(routes)
    return api
