"""The gateway's kept-alive path for ``tools/call`` keeps the promises of its httpx path: one JSON answer
passed on, a call that may have been applied is never sent twice and is reported ``unknown``, an
unreachable client is ``not_sent``, headers and mTLS toward the client as before."""

from __future__ import annotations

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from client.auth import mint_dev_api_key
from client.gateway import create_gateway_app
from client.settings import GatewaySettings
from harness.fakes.redis_server import free_port
from harness.fixtures.client import MtlsMaterial, serve_stack, toy_wallet
from harness.mcp_wire import tool_call
from servers.common.asgi_serving import serve_asgi
from tests.integration.client.test_gateway_hardening import stale_upstream_gateway

pytestmark = pytest.mark.anyio
CALL = tool_call("w__t", {"account": "alice"}, 5)


async def test_a_call_on_a_connection_the_client_dropped_is_unknown_and_sent_once() -> None:
    async with stale_upstream_gateway(0.0) as (upstream, gateway_url, key), httpx.AsyncClient() as http:
        headers = {**CALL[1], "X-API-Key": key}
        with anyio.fail_after(15):
            first = await http.post(f"{gateway_url}/mcp", json=CALL[0], headers=headers)
            second = await http.post(f"{gateway_url}/mcp", json=CALL[0], headers=headers)
        assert first.status_code == 200, first.text
        assert second.status_code == 502 and second.json()["outcome"] == "unknown", second.text
        assert upstream.requests.count("POST /mcp HTTP/1.1") == 2 and upstream.dropped == 1  # never re-sent


async def test_an_unreachable_client_is_not_sent() -> None:
    key, entry = mint_dev_api_key()
    app = create_gateway_app(GatewaySettings(client_url=f"http://127.0.0.1:{free_port()}", api_keys=[entry]))
    async with serve_asgi(app) as gateway, httpx.AsyncClient() as http:
        with anyio.fail_after(10):
            answer = await http.post(
                f"{gateway.base_url}/mcp", json=CALL[0], headers={**CALL[1], "X-API-Key": key}
            )
    body = answer.json()
    assert (answer.status_code, body["error"], body["outcome"]) == (502, "upstream_unreachable", "not_sent")


@pytest.mark.parametrize("certificate", ["issued", "missing", "rogue"])
async def test_tool_calls_reach_the_client_over_mtls_only_with_the_right_certificate(
    mtls_material: MtlsMaterial, certificate: str
) -> None:
    seen: list[dict[str, str]] = []

    async def mcp(request: Request) -> JSONResponse:
        seen.append(dict(request.headers))
        body = await request.json()
        return JSONResponse({"jsonrpc": "2.0", "id": body["id"], "result": {"content": [], "isError": False}})

    tls = mtls_material.client_tls(with_cert=certificate != "missing", rogue=certificate == "rogue")
    key, entry = mint_dev_api_key(allowed_tools=["w__*"])
    settings = GatewaySettings(client_url="https://127.0.0.1:1", api_keys=[entry], client_tls=tls)
    upstream_app = Starlette(routes=[Route("/mcp", mcp, methods=["POST"])])
    async with serve_asgi(upstream_app, tls=mtls_material.server_tls()) as upstream:
        settings.client_url = upstream.base_url
        async with serve_asgi(create_gateway_app(settings)) as gateway, httpx.AsyncClient() as http:
            headers = {**CALL[1], "X-API-Key": key, "X-MCPH-Allowed-Tools": '["*"]'}
            with anyio.fail_after(10):
                answer = await http.post(f"{gateway.base_url}/mcp", json=CALL[0], headers=headers)
    if certificate != "issued":
        assert answer.status_code == 502 and seen == [], answer.text
        return
    assert answer.status_code == 200, answer.text
    (forwarded,) = seen
    assert forwarded["x-mcph-allowed-tools"] == '["w__*"]'  # the caller's copy replaced by the principal's
    assert "x-api-key" not in forwarded and forwarded["mcp-name"] == "w__t" and "x-request-id" in forwarded


async def test_answers_through_the_gateway_match_the_clients_own() -> None:
    async with serve_stack([toy_wallet()]) as stack, httpx.AsyncClient() as http:
        body, headers = tool_call("wallet__get_balance", {"account": "alice"}, 9)
        with anyio.fail_after(10):
            direct = await http.post(f"{stack.client_url}/mcp", json=body, headers=headers)
            gated = await http.post(
                f"{stack.gateway_url}/mcp", json=body, headers={**headers, "X-API-Key": stack.api_key}
            )
        assert gated.status_code == direct.status_code == 200
        assert gated.json() == direct.json()
        assert gated.headers.get_list("date") == [gated.headers["date"]] and "x-request-id" in gated.headers
        assert stack.gateway_app.state.runtime.tool_calls.opened == 1  # the kept-alive path carried it
