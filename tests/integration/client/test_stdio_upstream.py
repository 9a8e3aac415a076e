"""A stdio upstream: the client spawns a reference server, routes to it, and ends it when it stops."""

from __future__ import annotations

import sys

import anyio
import httpx
import psutil
import pytest
from mcp import Client

from client.app import create_client_app
from client.settings import ClientSettings, UpstreamSettings
from servers.common.asgi_serving import serve_asgi

pytestmark = pytest.mark.anyio
SERVE_WEATHER = ["-m", "harness.cli", "serve", "weather", "--transport", "stdio"]


def spawned_weather_servers() -> list[psutil.Process]:
    """Our child processes running the weather server over stdio."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            command_line = child.cmdline()
        except psutil.Error:  # exited between listing and reading
            continue
        if command_line[1:] == SERVE_WEATHER:
            found.append(child)
    return found


def gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_stdio_upstream_is_listed_callable_and_ended_with_the_client(mode: str) -> None:
    assert spawned_weather_servers() == []
    upstream = UpstreamSettings(
        name="weather", command=sys.executable, args=SERVE_WEATHER, mode=mode, connect_timeout_s=30
    )
    app = create_client_app(ClientSettings(upstreams=[upstream]))
    with anyio.fail_after(60):
        async with serve_asgi(app) as client, httpx.AsyncClient() as http:
            (process,) = spawned_weather_servers()
            weather = app.state.runtime.pool["weather"]
            assert weather.connected
            assert weather.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
            listed = (await http.get(f"{client.base_url}/v1/tools")).json()["tools"]
            names = {t["name"] for t in listed}
            assert {"weather__get_weather", "weather__get_forecast", "weather__health"} <= names
            assert all(t["upstream"] == "weather" for t in listed)
            rest = await http.post(
                f"{client.base_url}/v1/tools/weather__get_weather/call", json={"city": "Berlin"}
            )
            assert rest.status_code == 200 and rest.json()["isError"] is False, rest.text
            async with Client(f"{client.base_url}/mcp", mode=mode) as agent:
                over_mcp = {t.name for t in (await agent.list_tools()).tools}
                assert names <= over_mcp
                health = await agent.call_tool("weather__health", {})
                assert not health.is_error, health.content
            assert not gone(process)
        with anyio.fail_after(10):
            while not gone(process):  # noqa: ASYNC110
                await anyio.sleep(0.05)  # bounded poll of the process table, not a synchronising sleep
    assert spawned_weather_servers() == []
