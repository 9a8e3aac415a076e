"""get_json maps every transport failure to a typed, readable BackendError."""

from __future__ import annotations

import anyio
import httpx
import pytest

from servers.common.errors import BackendBadResponse, BackendTimeout, BackendUnavailable
from servers.common.http import get_json, make_http_client
from servers.common.settings import HttpClientSettings

pytestmark = pytest.mark.anyio


def client_for(handler: httpx.MockTransport, **settings: float) -> httpx.AsyncClient:
    return make_http_client(HttpClientSettings(**settings), "http://api.test", transport=handler)


async def test_decodes_json() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": request.url.params["q"]}))
    async with client_for(transport) as client:
        assert await get_json(client, "api", "/x", {"q": "1"}, 1.0) == {"ok": "1"}


async def test_http_error_status_names_backend_and_status() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(503, text="overloaded"))
    async with client_for(transport) as client:
        with pytest.raises(BackendBadResponse, match=r"api: HTTP 503: overloaded"):
            await get_json(client, "api", "/x", {}, 1.0)


async def test_malformed_json() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="{not json"))
    async with client_for(transport) as client:
        with pytest.raises(BackendBadResponse, match="malformed JSON"):
            await get_json(client, "api", "/x", {}, 1.0)


async def test_connection_refused_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with client_for(httpx.MockTransport(refuse)) as client:
        with pytest.raises(BackendUnavailable, match="unreachable"):
            await get_json(client, "api", "/x", {}, 1.0)


async def test_total_deadline_bounds_a_slow_answer() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(5)
        return httpx.Response(200, json={})

    async with client_for(httpx.MockTransport(slow)) as client:
        started = anyio.current_time()
        with anyio.fail_after(3), pytest.raises(BackendTimeout, match=r"no answer within 0\.2 s"):
            await get_json(client, "api", "/x", {}, 0.2)
        assert anyio.current_time() - started < 2
