"""Allow-list bypass by path spelling: every non-canonical raw path gets 400 and reaches no tool.

A key limited to ``weather__*`` once reached wallet tools by spelling the path differently
(``/v1/tools/weather__x/../wallet__deposit/call``, ``/x/../mcp``): the gateway checked the literal
path and httpx normalised the dot segments when forwarding. Requests go out on bare sockets so the
spellings arrive exactly as written.
"""

from __future__ import annotations

import json

import anyio
import pytest

from harness.fixtures.client import serve_stack
from harness.mcp_wire import tool_call
from tests.security.raw_http import exchange, request_bytes

pytestmark = pytest.mark.anyio

CALL_SPELLINGS = [
    "/v1/tools/weather__get_weather/../wallet__deposit/call",
    "/v1/tools/weather__get_weather/%2e%2e/wallet__deposit/call",
    "/v1/tools/weather__get_weather/%2E%2E/wallet__deposit/call",
    "/v1/tools/weather__get_weather/.%2e/wallet__deposit/call",
    "/v1/tools/weather__get_weather%2f..%2fwallet__deposit/call",
    "/v1/tools/weather__get_weather%2F..%2Fwallet__deposit/call",
    "/v1/tools/weather__get_weather/..%2fwallet__deposit/call",
    "/v1/tools/weather__get_weather/..\\wallet__deposit/call",
    "/v1/./tools/wallet__deposit/call",
    "/v1/tools/./wallet__deposit/call",
    "/v1//tools/wallet__deposit/call",
    "//v1/tools/wallet__deposit/call",
    "/v1/tools/wallet__deposit/call/",
    "/v1/tools/wallet%5f%5fdeposit/call",
    "/v1/x/../tools/wallet__deposit/call",
]
MCP_SPELLINGS = ["/x/../mcp", "/./mcp", "/mcp/", "/mcp/.", "//mcp", "/%6dcp", "/x/%2e%2e/mcp", "/mcp%2f"]
LIST_SPELLINGS = ["/v1/x/../tools", "/v1/./tools", "/v1/tools/", "/v1//tools", "/v1/%74ools", "/v1/tools/."]


async def test_non_canonical_rest_call_paths_are_refused_before_any_tool_runs() -> None:
    async with serve_stack(api_key_tools=["weather__*"]) as stack:
        headers = {"X-API-Key": stack.api_key, "Content-Type": "application/json"}
        body = json.dumps({"account": "mallory", "amount": 10**12}).encode()
        with anyio.fail_after(20):
            for target in CALL_SPELLINGS:
                response = await exchange(stack.gateway_url, request_bytes("POST", target, headers, body))
                assert response.status == 400, (target, response.status, response.body)
                assert response.json()["error"] == "non_canonical_path", target
        assert stack.toys["wallet"].control.invocations["deposit"] == 0


async def test_non_canonical_mcp_paths_are_refused_for_a_tools_call() -> None:
    async with serve_stack(api_key_tools=["weather__*"]) as stack:
        payload, mcp_headers = tool_call("wallet__deposit", {"account": "mallory", "amount": 10**12})
        mcp_headers.pop("Mcp-Name")
        mcp_headers.pop("Mcp-Method")
        headers = {"X-API-Key": stack.api_key, "Content-Type": "application/json", **mcp_headers}
        with anyio.fail_after(20):
            for target in MCP_SPELLINGS:
                raw = request_bytes("POST", target, headers, json.dumps(payload).encode())
                response = await exchange(stack.gateway_url, raw)
                assert response.status == 400, (target, response.status, response.body)
        assert stack.toys["wallet"].control.invocations["deposit"] == 0


async def test_non_canonical_listing_paths_are_refused_and_leak_no_tool() -> None:
    async with serve_stack(api_key_tools=["weather__*"]) as stack:
        headers = {"X-API-Key": stack.api_key}
        with anyio.fail_after(20):
            for target in LIST_SPELLINGS:
                response = await exchange(stack.gateway_url, request_bytes("GET", target, headers))
                assert response.status == 400, (target, response.status)
                assert b"wallet__" not in response.body, target
            canonical = await exchange(stack.gateway_url, request_bytes("GET", "/v1/tools", headers))
        names = [t["name"] for t in canonical.json()["tools"]]
        assert canonical.status == 200 and names and all(n.startswith("weather__") for n in names)
