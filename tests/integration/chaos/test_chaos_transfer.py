"""Data through the proxy: no Nagle stalls, every byte exactly once and in order while toxics come and
go over a multi-MB transfer (the no-toxic fast path hands over to the chain and back), EOF and close."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
import pytest

from chaos.client import ToxiproxyClient
from harness.fixtures.chaos import EchoServer, ProxyApi, connect_through

pytestmark = pytest.mark.anyio

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def tcp_server(handler: Handler) -> AsyncIterator[str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def test_split_replies_are_not_held_back_by_nagle(toxiproxy: ToxiproxyClient) -> None:
    """A reply written in two pieces (HTTP headers, then body) must not wait ~40 ms for a delayed ACK."""

    async def two_part_reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while await reader.readexactly(1):
                writer.write(b"head")
                await asyncio.sleep(0.001)  # the proxy reads and forwards the two parts separately
                writer.write(b"body")
        writer.close()

    async with tcp_server(two_part_reply) as upstream:
        proxy = await toxiproxy.create_proxy("split", upstream, listen="127.0.0.1:0")
        reader, writer = await connect_through(proxy.listen)
        rtts = []
        for _ in range(30):
            started = time.perf_counter()
            writer.write(b"?")
            with anyio.fail_after(5):
                assert await reader.readexactly(8) == b"headbody"
            rtts.append((time.perf_counter() - started) * 1000)
        writer.close()
    assert statistics.median(rtts) < 20, rtts  # with Nagle on a proxy socket almost every one took ~40 ms


async def test_toggling_toxics_during_a_multi_mb_transfer_keeps_every_byte(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    proxy = await toxiproxy.create_proxy("bulk", echo_server.address, listen="127.0.0.1:0")
    reader, writer = await connect_through(proxy.listen)
    payload = random.Random(7).randbytes(8 * 1024 * 1024)
    toxics: list[tuple[str, dict[str, int]]] = [
        ("latency", {"latency": 1}),
        ("noop", {}),
        ("slicer", {"average_size": 8192, "size_variation": 4096, "delay": 0}),
        ("bandwidth", {"rate": 200_000}),  # 200 MB/s: slows nothing much, but cuts and sleeps
    ]
    done = asyncio.Event()
    toggled = asyncio.Event()
    toggles = 0

    async def send() -> None:
        block = 256 * 1024
        for index, offset in enumerate(range(0, len(payload), block)):
            writer.write(payload[offset : offset + block])
            await writer.drain()
            if index % 2:  # at least one add/remove per 512 KiB, while the previous ones are in flight
                toggled.clear()
                await toggled.wait()

    async def churn() -> None:
        nonlocal toggles
        rng = random.Random(11)
        while not done.is_set():
            kind, attributes = toxics[toggles % len(toxics)]
            stream = rng.choice(["upstream", "downstream"])
            await toxiproxy.add_toxic("bulk", kind, name="t", stream=stream, attributes=attributes)
            await asyncio.sleep(rng.uniform(0, 0.01))
            await toxiproxy.remove_toxic("bulk", "t")
            await asyncio.sleep(rng.uniform(0, 0.01))  # the fast path runs between toxics
            toggles += 1
            toggled.set()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(send)
        tasks.start_soon(churn)
        with anyio.fail_after(60):
            received = await reader.readexactly(len(payload))
        done.set()
    writer.close()
    assert hashlib.sha256(received).hexdigest() == hashlib.sha256(payload).hexdigest()
    assert toggles >= 16, "a toxic should have come and gone at least once per 512 KiB"


async def test_client_eof_delivers_everything_then_closes_the_upstream(toxiproxy: ToxiproxyClient) -> None:
    """Half-close from the client: the upstream gets every byte, then EOF; the client then sees EOF."""
    digest: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()

    async def count_until_eof(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hasher, total = hashlib.sha256(), 0
        while data := await reader.read(65536):
            hasher.update(data)
            total += len(data)
        digest.set_result((total, hasher.hexdigest()))
        writer.close()

    payload = random.Random(3).randbytes(4 * 1024 * 1024)
    async with tcp_server(count_until_eof) as upstream:
        proxy = await toxiproxy.create_proxy("sink", upstream, listen="127.0.0.1:0")
        reader, writer = await connect_through(proxy.listen)
        writer.write(payload)
        await writer.drain()
        writer.write_eof()
        with anyio.fail_after(20):
            assert await digest == (len(payload), hashlib.sha256(payload).hexdigest())
            assert await reader.read() == b""
        writer.close()


async def test_disable_during_a_fast_transfer_closes_both_ends(
    embedded_proxy_api: ProxyApi, echo_server: EchoServer
) -> None:
    client = embedded_proxy_api.client
    proxy = await client.create_proxy("busy", echo_server.address, listen="127.0.0.1:0")
    reader, writer = await connect_through(proxy.listen)
    stop = asyncio.Event()

    async def keep_sending() -> None:
        block = bytes(64 * 1024)
        with contextlib.suppress(ConnectionError):
            while not stop.is_set():
                writer.write(block)
                await writer.drain()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(keep_sending)
        with anyio.fail_after(10):
            await reader.readexactly(1024 * 1024)  # data is flowing both ways
            await client.disable_proxy("busy")
            with contextlib.suppress(ConnectionError):
                while await reader.read(1024 * 1024):
                    pass  # what was in flight, then EOF
        stop.set()
    assert embedded_proxy_api.collection is not None
    assert embedded_proxy_api.collection.get("busy").connection_count == 0
    writer.close()
