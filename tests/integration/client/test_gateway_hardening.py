"""Regressions of the gateway's hardening, each over real sockets through the real gateway.

Deep JSON (once 502 with a RecursionError / 500), duplicated ``date``/``server`` headers, stale pooled
connections (once a spurious 502 "client unreachable"), slow clients (once held for a minute, their
hang-ups logged as ERROR tracebacks), and the gateway→client edge on mTLS.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
import httpx
import pytest
from anyio.abc import SocketStream
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from client.auth import mint_dev_api_key
from client.gateway import create_gateway_app
from client.settings import GatewaySettings
from harness.fixtures.client import MtlsMaterial, serve_stack, toy_weather
from harness.mcp_wire import tool_call
from servers.common.asgi_serving import bind_socket, serve_asgi
from tests.security.raw_http import closed_by_peer, exchange, read_response, request_bytes

pytestmark = pytest.mark.anyio


def nested(levels: int, kind: str) -> bytes:
    if kind == "array":
        return b"[" * levels + b"]" * levels
    return b'{"a":' * levels + b"1" + b"}" * levels


@pytest.mark.parametrize("levels", [1_000, 10_000])
@pytest.mark.parametrize("kind", ["array", "object"])
async def test_deep_json_gets_400_on_mcp_and_rest_never_5xx(levels: int, kind: str) -> None:
    async with serve_stack() as stack, httpx.AsyncClient() as http:
        key = {"X-API-Key": stack.api_key, "Content-Type": "application/json"}
        payload, mcp_headers = tool_call("weather__get_weather", {"city": "x"})
        deep_mcp = json.dumps(payload).encode().replace(b'"x"', nested(levels, kind))
        with anyio.fail_after(15):
            mcp = await http.post(
                f"{stack.gateway_url}/mcp", content=deep_mcp, headers={**key, **mcp_headers}
            )
            rest = await http.post(
                f"{stack.gateway_url}/v1/tools/weather__get_weather/call",
                content=b'{"city": ' + nested(levels, kind) + b"}",
                headers=key,
            )
        assert mcp.status_code == 400 and mcp.json()["error"]["code"] == -32700, mcp.text
        assert rest.status_code == 400 and rest.json()["error"] == "bad_body", rest.text
        assert stack.toys["weather"].control.invocations["get_weather"] == 0


async def test_forwarded_answers_carry_one_date_and_one_server() -> None:
    async with serve_stack([toy_weather()]) as stack:
        with anyio.fail_after(10):
            answer = await exchange(
                stack.gateway_url, request_bytes("GET", "/v1/tools", {"X-API-Key": stack.api_key})
            )
        assert answer.status == 200
        assert answer.header_count("date") == 1 and answer.header_count("server") == 1, answer.headers


@dataclass
class StaleKeepAliveUpstream:
    """A client stand-in whose keep-alive timer fires just as a request arrives on an idle connection.

    A request on a reused connection idle for ``idle_close_s`` or more is read and then dropped without
    an answer: the worst moment of the race between a pool reusing a connection and the server
    closing it. ``idle_close_s=0`` drops every reused connection's request.
    """

    idle_close_s: float
    answered: int = 0
    dropped: int = 0
    requests: list[str] = field(default_factory=list)

    async def serve(self, stream: SocketStream) -> None:
        idle_since: float | None = None
        buffer = b""
        async with stream:
            while True:
                try:
                    while b"\r\n\r\n" not in buffer:
                        buffer += await stream.receive()
                except (anyio.EndOfStream, anyio.BrokenResourceError, ConnectionResetError):
                    return
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                while len(buffer) < length:
                    buffer += await stream.receive()
                buffer = buffer[length:]
                self.requests.append(head.split(b"\r\n")[0].decode())
                if idle_since is not None and time.monotonic() - idle_since >= self.idle_close_s:
                    self.dropped += 1
                    return
                self.answered += 1
                body = b'{"tools": []}'
                await stream.send(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + f"content-length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                idle_since = time.monotonic()


@asynccontextmanager
async def stale_upstream_gateway(
    idle_close_s: float, **overrides: object
) -> AsyncIterator[tuple[StaleKeepAliveUpstream, str, str]]:
    upstream = StaleKeepAliveUpstream(idle_close_s)
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    key, entry = mint_dev_api_key()
    settings = GatewaySettings(client_url=f"http://127.0.0.1:{port}", api_keys=[entry], **overrides)  # type: ignore[arg-type]
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, upstream.serve)
        async with serve_asgi(create_gateway_app(settings)) as gateway:
            yield upstream, gateway.base_url, key
        tg.cancel_scope.cancel()


async def test_pooled_connections_expire_before_the_clients_keep_alive() -> None:
    """Default pool expiry (2 s) under a 2.5 s keep-alive: a request after 2.7 s idle gets a fresh connection."""
    async with stale_upstream_gateway(2.5) as (upstream, gateway_url, key), httpx.AsyncClient() as http:
        with anyio.fail_after(15):
            first = await http.post(f"{gateway_url}/v1/tools/w__t/call", json={}, headers={"X-API-Key": key})
            await anyio.sleep(2.7)  # the idle period under test, not synchronisation
            second = await http.post(f"{gateway_url}/v1/tools/w__t/call", json={}, headers={"X-API-Key": key})
        assert (first.status_code, second.status_code) == (200, 200), second.text
        assert upstream.dropped == 0


async def test_a_get_is_retried_once_after_a_stale_connection_and_a_sent_post_is_reported_unknown() -> None:
    async with stale_upstream_gateway(0.0) as (upstream, gateway_url, key), httpx.AsyncClient() as http:
        headers = {"X-API-Key": key}
        with anyio.fail_after(15):
            assert (await http.get(f"{gateway_url}/v1/tools", headers=headers)).status_code == 200
            listing = await http.get(f"{gateway_url}/v1/tools", headers=headers)
            assert listing.status_code == 200, listing.text  # retried on a new connection
            assert upstream.dropped == 1
            post = await http.post(f"{gateway_url}/v1/tools/w__t/call", json={}, headers=headers)
        assert post.status_code == 502 and post.json()["outcome"] == "unknown", post.text
        assert upstream.dropped == 2 and upstream.requests.count("POST /v1/tools/w__t/call HTTP/1.1") == 1


async def test_an_unreachable_client_is_reported_not_sent() -> None:
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    key, entry = mint_dev_api_key()
    settings = GatewaySettings(client_url=f"http://127.0.0.1:{port}", api_keys=[entry])
    async with serve_asgi(create_gateway_app(settings)) as gateway, httpx.AsyncClient() as http:
        with anyio.fail_after(10):
            answer = await http.post(
                f"{gateway.base_url}/v1/tools/w__t/call", json={}, headers={"X-API-Key": key}
            )
        assert answer.status_code == 502
        assert answer.json()["error"] == "upstream_unreachable" and answer.json()["outcome"] == "not_sent"


SLOW = {"header_timeout_s": 0.5, "body_timeout_s": 0.5}


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="nothing-sent"),
        pytest.param(b"POST /mcp HTTP/1.1\r\nHost: x\r\n", id="unfinished-headers"),
        pytest.param(b"GET /v1/tools HTTP/1.1\r\nHost: x\r\nX-API-Key: mcph_", id="unfinished-header-line"),
    ],
)
async def test_unfinished_request_heads_get_408_and_are_closed_within_the_deadline(raw: bytes) -> None:
    async with serve_stack([toy_weather()], gateway_overrides=SLOW) as stack:
        host, port = stack.gateway_url.removeprefix("http://").split(":")
        with anyio.fail_after(3):
            async with await anyio.connect_tcp(host, int(port)) as stream:
                if raw:
                    await stream.send(raw)
                answer = await read_response(stream)
                assert answer.status == 408
                assert await closed_by_peer(stream)


async def trickle(stream: SocketStream, data: bytes, gap_s: float) -> None:
    for byte in data:
        await stream.send(bytes([byte]))
        await anyio.sleep(gap_s)  # the trickle under test, not synchronisation


@pytest.mark.parametrize("body_kind", ["trickled", "short"])
async def test_slow_or_short_bodies_get_408_within_the_deadline(body_kind: str) -> None:
    async with serve_stack([toy_weather()], gateway_overrides=SLOW) as stack:
        host, port = stack.gateway_url.removeprefix("http://").split(":")
        body = b'{"city": "Paris"}'
        head = request_bytes(
            "POST",
            "/v1/tools/weather__get_weather/call",
            {"X-API-Key": stack.api_key},
            content_length=len(body) + 5,
        )
        started = time.monotonic()
        with anyio.fail_after(3):
            async with await anyio.connect_tcp(host, int(port)) as stream, anyio.create_task_group() as tg:
                await stream.send(head)
                if body_kind == "trickled":
                    tg.start_soon(trickle, stream, body, 0.2)
                else:
                    await stream.send(body)
                answer = await read_response(stream)
                tg.cancel_scope.cancel()
        assert answer.status == 408 and answer.json()["error"] == "request_timeout"
        assert time.monotonic() - started < 2.0
        assert stack.toys["weather"].control.invocations["get_weather"] == 0


async def test_a_caller_hanging_up_mid_body_is_one_info_line_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    async with serve_stack([toy_weather()]) as stack:
        host, port = stack.gateway_url.removeprefix("http://").split(":")
        head = request_bytes(
            "POST", "/v1/tools/weather__get_weather/call", {"X-API-Key": stack.api_key}, content_length=100
        )
        with anyio.fail_after(5):
            async with await anyio.connect_tcp(host, int(port)) as stream:
                await stream.send(head + b'{"city": ')
            while not any("hung up" in r.getMessage() for r in caplog.records):  # noqa: ASYNC110
                await anyio.sleep(0.01)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [
        r.getMessage() for r in caplog.records
    ]
    assert all(r.exc_info is None for r in caplog.records if r.name.startswith("client."))


async def test_requests_over_the_in_flight_cap_get_503_with_retry_after() -> None:
    weather = toy_weather()
    weather.control.delays_s["get_weather"] = 1.0
    async with (
        serve_stack([weather], gateway_overrides={"max_in_flight": 2}) as stack,
        httpx.AsyncClient() as http,
    ):
        url, headers = f"{stack.gateway_url}/v1/tools/weather__get_weather/call", {"X-API-Key": stack.api_key}
        statuses: list[int] = []

        async def call() -> None:
            statuses.append((await http.post(url, json={"city": "x"}, headers=headers)).status_code)

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(call)
                tg.start_soon(call)
                while weather.control.invocations["get_weather"] < 2:  # noqa: ASYNC110
                    await anyio.sleep(0.01)
                refused = await http.post(url, json={"city": "x"}, headers=headers)
                healthy = await http.get(f"{stack.gateway_url}/healthz")
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert healthy.status_code == 200 and sorted(statuses) == [200, 200]


async def test_connections_over_the_cap_get_503_with_retry_after() -> None:
    async with serve_stack([toy_weather()], gateway_overrides={"max_connections": 2}) as stack:
        host, port = stack.gateway_url.removeprefix("http://").split(":")
        ping = request_bytes("GET", "/healthz")
        with anyio.fail_after(5):
            async with (
                await anyio.connect_tcp(host, int(port)) as one,
                await anyio.connect_tcp(host, int(port)) as two,
            ):
                for stream in (one, two):
                    await stream.send(ping)
                    assert (await read_response(stream)).status == 200
                third = await exchange(stack.gateway_url, ping)
            # the first two are gone: room again, once the gateway has seen them close
            while (fourth := await exchange(stack.gateway_url, ping)).status == 503:
                pass
        assert third.status == 503 and third.header("retry-after") == "1"
        assert fourth.status == 200


async def test_the_gateway_reaches_the_client_over_mtls(mtls_material: MtlsMaterial) -> None:
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"path": request.url.path})

    upstream_app = Starlette(routes=[Route("/v1/tools", echo)])
    async with (
        serve_asgi(upstream_app, tls=mtls_material.server_tls()) as upstream,
        httpx.AsyncClient() as http,
    ):
        key, entry = mint_dev_api_key()
        for tls, expected in (
            (mtls_material.client_tls(), 200),
            (mtls_material.client_tls(with_cert=False), 502),
            (mtls_material.client_tls(rogue=True), 502),
        ):
            settings = GatewaySettings(client_url=upstream.base_url, api_keys=[entry], client_tls=tls)
            async with serve_asgi(create_gateway_app(settings)) as gateway:
                with anyio.fail_after(10):
                    answer = await http.get(f"{gateway.base_url}/v1/tools", headers={"X-API-Key": key})
                assert answer.status_code == expected, (tls, answer.text)
                if expected == 200:
                    assert answer.json() == {"path": "/v1/tools"}


async def test_open_event_streams_do_not_use_up_the_in_flight_cap() -> None:
    async def events(request: Request) -> StreamingResponse:
        async def forever() -> AsyncIterator[bytes]:
            yield b": open\n\n"
            await anyio.sleep_forever()

        return StreamingResponse(forever(), media_type="text/event-stream")

    async def tools(request: Request) -> JSONResponse:
        return JSONResponse({"tools": []})

    upstream_app = Starlette(routes=[Route("/mcp", events), Route("/v1/tools", tools)])
    key, entry = mint_dev_api_key()
    async with serve_asgi(upstream_app) as upstream:
        settings = GatewaySettings(client_url=upstream.base_url, api_keys=[entry], max_in_flight=1)
        async with serve_asgi(create_gateway_app(settings)) as gateway, httpx.AsyncClient() as http:
            headers = {"X-API-Key": key}
            with anyio.fail_after(10):
                async with http.stream("GET", f"{gateway.base_url}/mcp", headers=headers) as stream:
                    assert stream.status_code == 200
                    assert (
                        await http.get(f"{gateway.base_url}/v1/tools", headers=headers)
                    ).status_code == 200
