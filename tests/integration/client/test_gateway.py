"""The gateway over real sockets: credentials, allow-lists, limits, origins, request ids, forwarding."""

from __future__ import annotations

import time

import anyio
import httpx
import httpx2
import jwt
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from client.auth import hash_api_key
from harness.fixtures.client import serve_stack

pytestmark = pytest.mark.anyio
SECRET = "s3cret-for-tests-only-32-bytes-long!"


def token(**claims: object) -> str:
    base = {"sub": "agent-7", "aud": "mcp-harness", "iss": "mcp-harness", "exp": int(time.time()) + 60}
    return jwt.encode({**base, **claims}, SECRET, algorithm="HS256")


async def test_credentials_401_with_www_authenticate_and_healthz_is_open() -> None:
    async with (
        serve_stack(gateway_overrides={"jwt": {"hs256_secret": SECRET}}) as stack,
        httpx.AsyncClient() as http,
    ):
        url = f"{stack.gateway_url}/v1/tools"
        assert (await http.get(f"{stack.gateway_url}/healthz")).status_code == 200
        for headers in (
            {},
            {"X-API-Key": "mcph_wrong"},
            {"Authorization": "Basic abc"},
            {"Authorization": f"Bearer {token(exp=int(time.time()) - 10)}"},
            {"Authorization": f"Bearer {token(aud='someone-else')}"},
            {"Authorization": f"Bearer {token(iss='evil')}"},
            {"Authorization": f"Bearer {jwt.encode({'sub': 'x'}, SECRET, algorithm='HS256')}"},
            {"Authorization": "Bearer a.b.c"},
        ):
            response = await http.get(url, headers=headers)
            assert response.status_code == 401, headers
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["error"] == "unauthorized"
        assert (await http.get(url, headers={"X-API-Key": stack.api_key})).status_code == 200
        assert (await http.get(url, headers={"Authorization": f"Bearer {stack.api_key}"})).status_code == 200
        assert (await http.get(url, headers={"Authorization": f"Bearer {token()}"})).status_code == 200


async def test_api_keys_are_stored_hashed() -> None:
    async with serve_stack() as stack:
        stored = stack.gateway_app.state.runtime.settings.api_keys[0]
        assert stored.sha256 == hash_api_key(stack.api_key)
        assert stack.api_key not in stored.model_dump_json()


async def test_allow_list_filters_listings_and_forbids_other_calls_mcp_and_rest() -> None:
    async with (
        serve_stack(api_key_tools=["weather__*", "client__find_tools"]) as stack,
        httpx.AsyncClient() as http,
    ):
        headers = {"X-API-Key": stack.api_key}
        names = [
            t["name"]
            for t in (await http.get(f"{stack.gateway_url}/v1/tools", headers=headers)).json()["tools"]
        ]
        assert names and all(n.startswith("weather__") for n in names)
        denied = await http.post(
            f"{stack.gateway_url}/v1/tools/wallet__deposit/call", json={}, headers=headers
        )
        assert denied.status_code == 403 and denied.json()["error"] == "tool_forbidden"
        found = await http.get(f"{stack.gateway_url}/v1/tools/search", params={"q": "money"}, headers=headers)
        assert all(r["name"].startswith("weather__") for r in found.json()["results"])
        for mode in ("auto", "legacy"):
            transport = httpx2.AsyncClient(headers=headers)
            with anyio.fail_after(15):
                async with Client(
                    streamable_http_client(f"{stack.gateway_url}/mcp", http_client=transport), mode=mode
                ) as c:
                    listed = {t.name for t in (await c.list_tools()).tools}
                    assert listed == {"weather__get_weather", "weather__get_forecast", "weather__get_history",
                                      "weather__health", "client__find_tools"}  # fmt: skip
                    ok = await c.call_tool("weather__get_weather", {"city": "Oslo"})
                    assert not ok.is_error
        assert stack.toys["wallet"].control.invocations["deposit"] == 0
        raw_body = {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "wallet__deposit"}}
        raw = await http.post(f"{stack.gateway_url}/mcp", json=raw_body, headers=headers)
        assert raw.status_code == 403 and raw.json()["error"]["code"] == -32003 and raw.json()["id"] == 9


async def test_jwt_tools_claim_is_an_allow_list() -> None:
    async with (
        serve_stack(gateway_overrides={"jwt": {"hs256_secret": SECRET}}) as stack,
        httpx.AsyncClient() as http,
    ):
        headers = {"Authorization": f"Bearer {token(tools=['wallet__get_balance'])}"}
        ok = await http.post(
            f"{stack.gateway_url}/v1/tools/wallet__get_balance/call", json={"account": "a"}, headers=headers
        )
        assert ok.status_code == 200
        no = await http.post(f"{stack.gateway_url}/v1/tools/wallet__transfer/call", json={}, headers=headers)
        assert no.status_code == 403


async def test_body_size_limit_413_even_without_content_length() -> None:
    async with (
        serve_stack(gateway_overrides={"max_request_bytes": 2048}) as stack,
        httpx.AsyncClient() as http,
    ):
        headers = {"X-API-Key": stack.api_key, "Content-Type": "application/json"}
        url = f"{stack.gateway_url}/v1/tools/knowledge__ingest/call"
        big = b'{"doc_id": "d", "text": "' + b"x" * 5000 + b'"}'
        assert (await http.post(url, content=big, headers=headers)).status_code == 413

        async def chunked():  # no Content-Length: the limit is enforced while reading
            for _ in range(10):
                yield b"x" * 512

        response = await http.post(url, content=chunked(), headers=headers)
        assert response.status_code == 413 and response.json()["error"] == "body_too_large"
        small = await http.post(url, json={"doc_id": "d", "text": "hello"}, headers=headers)
        assert small.status_code == 200


async def test_bad_input_is_400_never_500() -> None:
    async with serve_stack() as stack, httpx.AsyncClient() as http:
        headers = {"X-API-Key": stack.api_key}
        url = f"{stack.gateway_url}/v1/tools/weather__get_weather/call"
        for body in (b"{not json", b"[1, 2]", b'"text"'):
            response = await http.post(url, content=body, headers=headers)
            assert response.status_code == 400, body
        unknown = await http.post(f"{stack.gateway_url}/v1/tools/nope__x/call", json={}, headers=headers)
        assert unknown.status_code == 404 and unknown.json()["error"] == "tool_not_found"
        garbage = await http.post(f"{stack.gateway_url}/mcp", content=b"\xff\xfe", headers=headers)
        assert 400 <= garbage.status_code < 500


@pytest.mark.parametrize("storage", ["memory", "redis"])
async def test_rate_limit_429_with_retry_after(storage: str, request: pytest.FixtureRequest) -> None:
    uri = "memory://" if storage == "memory" else request.getfixturevalue("redis_url")
    overrides = {"rate_limit": "3/minute", "rate_limit_storage": uri}
    async with serve_stack(gateway_overrides=overrides) as stack, httpx.AsyncClient() as http:
        headers = {"X-API-Key": stack.api_key}
        statuses = [
            (await http.get(f"{stack.gateway_url}/v1/tools", headers=headers)).status_code for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        limited = await http.get(f"{stack.gateway_url}/v1/tools", headers=headers)
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.json()["error"] == "rate_limited"


async def test_foreign_origin_403_and_request_id_on_every_response() -> None:
    overrides = {"allowed_origins": ["https://app.example"]}
    async with serve_stack(gateway_overrides=overrides) as stack, httpx.AsyncClient() as http:
        headers = {"X-API-Key": stack.api_key}
        evil = await http.get(
            f"{stack.gateway_url}/v1/tools", headers={**headers, "Origin": "https://evil.example"}
        )
        assert evil.status_code == 403 and evil.headers["x-request-id"]
        good = await http.get(
            f"{stack.gateway_url}/v1/tools", headers={**headers, "Origin": "https://app.example"}
        )
        assert good.status_code == 200
        propagated = await http.get(
            f"{stack.gateway_url}/v1/tools", headers={**headers, "X-Request-Id": "trace-42"}
        )
        assert propagated.headers["x-request-id"] == "trace-42"
        unauth = await http.get(f"{stack.gateway_url}/v1/tools")
        assert unauth.status_code == 401 and len(unauth.headers["x-request-id"]) == 32


async def test_504_when_the_client_is_slow_and_502_when_it_is_gone() -> None:
    overrides = {"upstream_timeout_s": 0.3}
    client_overrides = {"default_timeout_s": 5}
    async with (
        serve_stack(gateway_overrides=overrides, client_overrides=client_overrides) as stack,
        httpx.AsyncClient() as http,
    ):
        stack.toys["weather"].control.delays_s["get_forecast"] = 2.0
        started = time.perf_counter()
        slow = await http.post(
            f"{stack.gateway_url}/v1/tools/weather__get_forecast/call", json={"city": "x"},
            headers={"X-API-Key": stack.api_key},
        )  # fmt: skip
        assert slow.status_code == 504
        assert time.perf_counter() - started < 1.0
    from client.auth import mint_dev_api_key
    from client.gateway import create_gateway_app
    from client.settings import GatewaySettings
    from servers.common.asgi_serving import serve_asgi

    key, entry = mint_dev_api_key()
    app = create_gateway_app(GatewaySettings(client_url="http://127.0.0.1:9", api_keys=[entry]))
    async with serve_asgi(app) as gateway, httpx.AsyncClient() as http:
        gone = await http.get(f"{gateway.base_url}/v1/tools", headers={"X-API-Key": key})
        assert gone.status_code == 502 and gone.json()["error"] == "upstream_unreachable"
