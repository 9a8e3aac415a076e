"""A string that cannot be encoded (a lone UTF-16 surrogate) fails only its own call, never a shared session.

One caller's ``"\\ud800"`` once tore down the client's session to a server, and every other caller's
calls to that server failed until it reconnected. Good callers run concurrently with a bad one here and
every good call is counted: through the gateway, straight at the client's own edge, and on the upstream
session itself with the client's edge check bypassed.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest

from client.errors import InvalidArguments
from harness.fixtures.client import Stack, serve_stack
from harness.mcp_wire import tool_call

pytestmark = pytest.mark.anyio
GOOD_CALLERS = 4
CALLS_PER_CALLER = 15
BAD_CALLS = 12
SURROGATE_ESCAPES = ('"\\ud800"', '"a\\udfffb"', '"\\udbff\\u0041"')


def bad_rest_body(index: int) -> str:
    escape = SURROGATE_ESCAPES[index % len(SURROGATE_ESCAPES)]
    return f'{{"city": {escape}}}' if index % 2 else f'{{{escape}: "x", "city": "Oslo"}}'


def bad_mcp_body(index: int) -> tuple[str, dict[str, str]]:
    body, headers = tool_call("weather__get_weather", {"city": "PLACEHOLDER"}, request_id=index)
    escape = SURROGATE_ESCAPES[index % len(SURROGATE_ESCAPES)]
    return json.dumps(body).replace('"PLACEHOLDER"', escape), headers


async def good_and_bad_callers(base: str, headers: dict[str, str]) -> dict[str, Any]:
    """Good callers (REST and MCP) and one bad caller at once; returns what each side saw."""
    seen: dict[str, Any] = {"good_ok": 0, "good_failed": [], "bad_statuses": [], "bad_codes": []}

    async def good(http: httpx.AsyncClient, caller: int) -> None:
        for n in range(CALLS_PER_CALLER):
            if caller % 2:
                response = await http.post(
                    f"{base}/v1/tools/weather__get_weather/call", json={"city": f"Oslo{n}"}, headers=headers
                )
                ok = response.status_code == 200 and not response.json().get("isError")
            else:
                body, mcp_headers = tool_call("weather__get_weather", {"city": "Rome"}, request_id=n)
                response = await http.post(f"{base}/mcp", json=body, headers={**headers, **mcp_headers})
                ok = response.status_code == 200 and not response.json()["result"].get("isError")
            if ok:
                seen["good_ok"] += 1
            else:
                seen["good_failed"].append((response.status_code, response.text[:200]))

    async def bad(http: httpx.AsyncClient) -> None:
        for n in range(BAD_CALLS):
            if n % 2:
                content = bad_rest_body(n)
                response = await http.post(
                    f"{base}/v1/tools/weather__get_weather/call",
                    content=content,
                    headers={**headers, "Content-Type": "application/json"},
                )
            else:
                content, mcp_headers = bad_mcp_body(n)
                response = await http.post(
                    f"{base}/mcp",
                    content=content,
                    headers={**headers, **mcp_headers, "Content-Type": "application/json"},
                )
                seen["bad_codes"].append(response.json().get("error", {}).get("code"))
            seen["bad_statuses"].append(response.status_code)

    async with httpx.AsyncClient(timeout=10) as http, anyio.create_task_group() as tg:
        for caller in range(GOOD_CALLERS):
            tg.start_soon(good, http, caller)
        tg.start_soon(bad, http)
    return seen


def assert_only_the_bad_caller_failed(seen: dict[str, Any], stack: Stack) -> None:
    assert seen["good_failed"] == [], seen["good_failed"]
    assert seen["good_ok"] == GOOD_CALLERS * CALLS_PER_CALLER
    assert seen["bad_statuses"] == [400] * BAD_CALLS, seen["bad_statuses"]
    assert seen["bad_codes"] == [-32602] * (BAD_CALLS // 2), seen["bad_codes"]
    upstream = stack.client_app.state.runtime.pool["weather"]
    assert upstream.connections == 1 and upstream.connected, "the shared session was torn down"


async def test_good_callers_through_the_gateway_never_notice_a_bad_caller() -> None:
    async with serve_stack() as stack:
        with anyio.fail_after(30):
            seen = await good_and_bad_callers(stack.gateway_url, {"X-API-Key": stack.api_key})
        print(f"\nthrough the gateway: {seen['good_ok']} good calls ok, {BAD_CALLS} bad refused")
        assert_only_the_bad_caller_failed(seen, stack)


async def test_the_client_refuses_unencodable_input_at_its_own_edge() -> None:
    """The client's ``/mcp`` and REST check input themselves: they must not rely on the gateway."""
    async with serve_stack() as stack:
        with anyio.fail_after(30):
            seen = await good_and_bad_callers(stack.client_url, {})
        print(f"\nat the client: {seen['good_ok']} good calls ok, {BAD_CALLS} bad refused")
        assert_only_the_bad_caller_failed(seen, stack)
        assert stack.toys["weather"].control.invocations["get_weather"] == GOOD_CALLERS * CALLS_PER_CALLER


async def test_the_upstream_session_survives_an_unencodable_request_past_the_edge() -> None:
    """Past every edge check, an encoding failure fails that one request as ``not_sent``."""
    async with serve_stack() as stack:
        upstream = stack.client_app.state.runtime.pool["weather"]
        good_results: list[bool] = []

        async def good() -> None:
            for n in range(CALLS_PER_CALLER):
                result = await upstream.call_tool("get_weather", {"city": f"Lima{n}"})
                good_results.append(not result.is_error)

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                for _ in range(GOOD_CALLERS):
                    tg.start_soon(good)
                for bad in ("\ud800", "ok\udc00"):
                    with pytest.raises(InvalidArguments) as caught:
                        await upstream.call_tool("get_weather", {"city": bad})
                    assert caught.value.outcome == "not_sent"
        assert good_results == [True] * (GOOD_CALLERS * CALLS_PER_CALLER)
        assert upstream.connections == 1 and upstream.connected
        after = await upstream.call_tool("get_weather", {"city": "Quito"})
        assert not after.is_error
