"""The weather server pointed at the fake API over a real socket (``api_url`` set): the network path.

The fake is served by uvicorn on a free loopback port and steered only through its HTTP admin API,
exactly as a user would steer it when ``mcp-harness up`` serves it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest
from mcp.types import TextContent

from harness.fakes.weather_api import create_weather_api
from harness.launch.connect import ClientTransport, connect_server
from servers.common.asgi_serving import serve_asgi
from servers.common.settings import HttpClientSettings
from servers.weather.server import WEATHER
from servers.weather.settings import WeatherSettings

pytestmark = pytest.mark.anyio


def error_text(result: Any) -> str:
    assert result.is_error, f"expected an error, got {result.structured_content}"
    content = result.content[0]
    assert isinstance(content, TextContent)
    return content.text


@asynccontextmanager
async def served_fake_api() -> AsyncIterator[str]:
    async with serve_asgi(create_weather_api().app, "127.0.0.1", 0) as listening:
        yield listening.base_url


@pytest.mark.parametrize("transport", ["memory", "http"])
async def test_server_reaches_the_api_over_the_network(transport: ClientTransport) -> None:
    with anyio.fail_after(30):
        async with served_fake_api() as api_url, httpx.AsyncClient(base_url=api_url) as admin:
            settings = WeatherSettings(
                api_url=api_url, geocoding_url=api_url, http=HttpClientSettings(total_timeout_s=2)
            )
            async with connect_server(WEATHER, settings, transport) as client:
                weather = await client.call_tool("get_weather", {"city": "Singapore"})
                again = await client.call_tool("get_weather", {"city": "Singapore"})
                stats = (await admin.get("/admin/stats")).json()
                fault = await admin.post(
                    "/admin/faults", json={"kind": "status", "status": 503, "path": "/v1/forecast"}
                )
                assert fault.status_code == 201
                failed = await client.call_tool("get_forecast", {"city": "Singapore", "days": 3})
                health = await client.call_tool("health", {})
                await admin.delete("/admin/faults")
                recovered = await client.call_tool("get_forecast", {"city": "Singapore", "days": 3})
    assert weather.structured_content["place"]["timezone"] == "Asia/Singapore"
    assert again.structured_content["cached"] is True
    assert stats["requests"] == {"/v1/search": 1, "/v1/forecast": 1}
    assert "weather API: HTTP 503" in error_text(failed)
    assert health.structured_content["status"] == "degraded"
    assert not recovered.is_error and len(recovered.structured_content["days"]) == 3


async def test_unreachable_api_url_is_a_clear_error_and_degraded_health() -> None:
    async with served_fake_api() as api_url:
        pass  # the port is closed again: nothing answers there now
    settings = WeatherSettings(
        api_url=api_url, http=HttpClientSettings(total_timeout_s=2, connect_timeout_s=1)
    )
    with anyio.fail_after(20):
        async with connect_server(WEATHER, settings, "memory") as client:
            weather = await client.call_tool("get_weather", {"latitude": 1, "longitude": 1})
            health = await client.call_tool("health", {})
    assert "weather API: unreachable" in error_text(weather)
    assert health.structured_content["status"] == "degraded"


async def test_stdio_server_uses_the_api_url_from_its_settings() -> None:
    from servers.registry import server_specs

    try:
        server_specs()
    except ImportError as exc:
        pytest.skip(f"`mcp-harness serve` cannot load the server registry yet: {exc}")
    with anyio.fail_after(60):
        async with served_fake_api() as api_url, httpx.AsyncClient(base_url=api_url) as admin:
            settings = WeatherSettings(api_url=api_url)
            async with connect_server(WEATHER, settings, "stdio") as client:
                weather = await client.call_tool("get_weather", {"city": "Lagos"})
            stats = (await admin.get("/admin/stats")).json()
    assert weather.structured_content["place"]["country_code"] == "NG"
    assert stats["requests"] == {"/v1/search": 1, "/v1/forecast": 1}
