"""The client's fast path on real sockets: what the server receives, connection reuse, and the outcome of
a failure (not_sent when nothing left, unknown once the request was written)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest

from client.errors import NOT_SENT, UNKNOWN, UpstreamRejected, UpstreamUnavailable
from client.fast_forward import CLIENT_INFO, UpstreamForwarder
from client.settings import UpstreamSettings
from client.upstreams import SERVER_INFO_META, Upstream
from harness.fakes.redis_server import free_port
from harness.fixtures.client import serve_stack, toy_wallet
from harness.mcp_wire import tool_call

pytestmark = pytest.mark.anyio
PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}
Handler = Callable[[bytes, bytes, asyncio.StreamWriter], Awaitable[bool]]


@asynccontextmanager
async def raw_server(handle: Handler) -> AsyncIterator[str]:
    """A one-purpose HTTP/1.1 server: ``handle(head, body, writer)`` answers; False closes the connection."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                body = await reader.readexactly(length)
                if not await handle(head, body, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.close()


def answer(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    body = json.dumps(message).encode()
    head = f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    writer.write(head.encode() + body)


def forwarder(url: str) -> UpstreamForwarder:
    return UpstreamForwarder(Upstream(UpstreamSettings(name="wallet", url=url), lambda: None))


async def test_server_receives_renamed_tool_meta_and_header_traceparent_and_one_connection_serves_all() -> (
    None
):
    received: list[tuple[bytes, dict[str, Any]]] = []

    async def handle(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        request = json.loads(body)
        received.append((head, request))
        result = {"content": [], "isError": False, "_meta": {SERVER_INFO_META: {"name": "wallet"}}}
        answer(writer, {"jsonrpc": "2.0", "id": request["id"], "result": result})
        return True

    async with raw_server(handle) as url:
        fast = forwarder(url)
        with anyio.fail_after(5):
            for _ in range(3):
                forwarded = await fast.call("get_balance", {"account": "alice"}, META, PARENT)
        fast.pool.close()
    assert fast.pool.opened == 1
    head, request = received[0]
    assert request["method"] == "tools/call" and request["params"]["name"] == "get_balance"
    assert request["params"]["_meta"]["traceparent"] == PARENT
    assert f"traceparent: {PARENT}".encode() in head and b"Mcp-Name: get_balance" in head
    assert forwarded.result["_meta"][SERVER_INFO_META] == CLIENT_INFO and not forwarded.is_error


async def test_refused_connection_is_not_sent_and_a_cut_answer_is_unknown() -> None:
    with anyio.fail_after(5), pytest.raises(UpstreamUnavailable) as refused:
        await forwarder(f"http://127.0.0.1:{free_port()}/mcp").call("get_balance", {}, META, None)
    assert refused.value.outcome == NOT_SENT

    async def hang_up(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        return False  # read the request, close without answering

    async with raw_server(hang_up) as url:
        with anyio.fail_after(5), pytest.raises(UpstreamUnavailable) as cut:
            await forwarder(url).call("get_balance", {}, META, None)
    assert cut.value.outcome == UNKNOWN


async def test_upstream_json_rpc_error_is_rejected_like_the_sdk_path() -> None:
    async def refuse(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        answer(
            writer,
            {"jsonrpc": "2.0", "id": json.loads(body)["id"], "error": {"code": -32602, "message": "no"}},
        )
        return True

    async with raw_server(refuse) as url:
        with anyio.fail_after(5), pytest.raises(UpstreamRejected):
            await forwarder(url).call("get_balance", {}, META, None)


async def test_fast_path_answers_exactly_as_the_sdk_path() -> None:
    """Same requests to a client with the fast path and one without: equal answers (a result, a tool
    error, a deadline passed)."""
    bodies = []
    deadline = {"wallet": {"call_timeout_s": 0.3}}
    for fast_path in (True, False):
        async with (
            serve_stack(
                [toy_wallet()], client_overrides={"fast_path": fast_path}, upstream_overrides=deadline
            ) as stack,
            httpx.AsyncClient() as http,
        ):
            for arguments, delay_s in (
                ({"account": "alice"}, 0.0),
                ({"account": 5}, 0.0),
                ({"account": "bob"}, 1.0),
            ):
                stack.toys["wallet"].control.delays_s["get_balance"] = (
                    delay_s  # the last one passes its deadline
                )
                body, headers = tool_call("wallet__get_balance", arguments, 3)
                with anyio.fail_after(10):
                    response = await http.post(f"{stack.client_url}/mcp", json=body, headers=headers)
                bodies.append((response.status_code, response.json()))
            fast = stack.client_app.state.fast
            taken = fast is not None and fast.forwarders["wallet"].pool.opened == 1
            assert taken == fast_path  # the fast path was (not) taken, as configured
    assert bodies[:3] == bodies[3:]
    assert bodies[2][1]["result"]["structuredContent"]["outcome"] == "unknown"  # timed out after sending
