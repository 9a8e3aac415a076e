"""The shared runner's HTTP face: DNS-rebinding protection with configurable hosts, body limit, both versions."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
from mcp.server.mcpserver import MCPServer

from harness.mcp_wire import tool_call
from servers.common.runner import serve_http
from servers.common.settings import ServerSettings

pytestmark = pytest.mark.anyio


def tiny_server() -> MCPServer:
    server = MCPServer("tiny", log_level="WARNING")

    @server.tool()
    def echo(text: str) -> str:
        """Return the text."""
        return text

    return server


def call(text: str = "hi") -> tuple[dict[str, Any], dict[str, str]]:
    return tool_call("echo", {"text": text})


async def test_foreign_host_header_is_refused_and_configured_names_are_accepted() -> None:
    settings = ServerSettings(allowed_hosts=["127.0.0.1:*", "weather.internal:*"])
    with anyio.fail_after(30):
        async with serve_http(tiny_server(), settings) as listening, httpx.AsyncClient(timeout=10) as http:
            url = f"{listening.base_url}{settings.path}"
            body, headers = call()
            ok = await http.post(url, json=body, headers=headers)
            assert ok.status_code == 200 and ok.json()["result"]["structuredContent"] == {"result": "hi"}
            rebinding = await http.post(url, json=body, headers={**headers, "Host": "evil.example:80"})
            assert rebinding.status_code == 421, rebinding.text
            service = await http.post(
                url, json=body, headers={**headers, "Host": f"weather.internal:{listening.port}"}
            )
            assert service.status_code == 200, service.text


async def test_foreign_origin_is_refused() -> None:
    settings = ServerSettings()
    with anyio.fail_after(30):
        async with serve_http(tiny_server(), settings) as listening, httpx.AsyncClient(timeout=10) as http:
            body, headers = call()
            url = f"{listening.base_url}{settings.path}"
            refused = await http.post(url, json=body, headers={**headers, "Origin": "https://evil.example"})
            assert refused.status_code == 403
            local = await http.post(url, json=body, headers={**headers, "Origin": "http://127.0.0.1:3000"})
            assert local.status_code == 200


async def test_body_over_the_limit_is_refused_and_the_server_keeps_serving() -> None:
    settings = ServerSettings(max_request_bytes=4096)
    with anyio.fail_after(30):
        async with serve_http(tiny_server(), settings) as listening, httpx.AsyncClient(timeout=10) as http:
            url = f"{listening.base_url}{settings.path}"
            body, headers = call("x" * 10_000)
            too_big = await http.post(url, json=body, headers=headers)
            assert too_big.status_code == 413
            body, headers = call("small")
            assert (await http.post(url, json=body, headers=headers)).status_code == 200
