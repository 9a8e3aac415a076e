"""Every weather tool over memory, stdio and Streamable HTTP, with both protocol versions.

One representative call per tool keeps the matrix fast. In memory and over HTTP the server talks
to the fake API on the test's clock; over stdio the child process uses its own embedded fake.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp.types import TextContent

from harness.launch.connect import ClientTransport, ProtocolMode, connect_server
from servers.common.runner import ServerSpec
from servers.weather.server import WEATHER
from servers.weather.settings import WeatherSettings

pytestmark = pytest.mark.anyio

MATRIX = [
    pytest.param(transport, mode, id=f"{transport}-{mode}")
    for transport in ("memory", "http", "stdio")
    for mode in ("auto", "legacy")
]


def error_text(result: Any) -> str:
    assert result.is_error, f"expected an error, got {result.structured_content}"
    content = result.content[0]
    assert isinstance(content, TextContent)
    return content.text


def require_cli_serving() -> None:
    """``mcp-harness serve`` loads every server's spec; skip stdio while a sibling server is missing."""
    from servers.registry import server_specs

    try:
        server_specs()
    except ImportError as exc:
        pytest.skip(f"`mcp-harness serve` cannot load the server registry yet: {exc}")


@pytest.mark.parametrize(("transport", "mode"), MATRIX)
async def test_every_tool_answers_over_each_transport_and_protocol(
    weather_spec: ServerSpec[WeatherSettings], transport: ClientTransport, mode: ProtocolMode
) -> None:
    spec = weather_spec
    if transport == "stdio":
        require_cli_serving()
        spec = WEATHER
    results: dict[str, Any] = {}
    with anyio.fail_after(60):
        async with connect_server(spec, WeatherSettings(), transport, mode) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            results["weather"] = await client.call_tool("get_weather", {"city": "Cairo"})
            results["forecast"] = await client.call_tool(
                "get_forecast", {"latitude": 30.06, "longitude": 31.25, "days": 2}
            )
            results["history"] = await client.call_tool("get_history", {"city": "Cairo"})
            results["health"] = await client.call_tool("health", {})
            results["unknown"] = await client.call_tool("get_weather", {"city": "Atlantis"})
            results["out_of_range"] = await client.call_tool("get_forecast", {"city": "Cairo", "days": 99})
    assert tools == {"get_weather", "get_forecast", "get_history", "health"}
    for name in ("weather", "forecast", "history", "health"):
        assert not results[name].is_error, f"{name}: {results[name].content}"
    assert results["weather"].structured_content["place"]["country_code"] == "EG"
    assert results["forecast"].structured_content["timezone"] == "Africa/Cairo"
    assert len(results["forecast"].structured_content["days"]) == 2
    assert [o["place"] for o in results["history"].structured_content["observations"]] == ["Cairo"]
    assert results["health"].structured_content["status"] == "ok"
    assert "unknown city 'Atlantis'" in error_text(results["unknown"])
    assert "days" in error_text(results["out_of_range"])
