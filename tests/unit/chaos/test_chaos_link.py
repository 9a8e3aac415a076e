"""A link without toxics: bytes arrive in order, a slow reader holds the proxy's buffer to its bound
(back-pressure instead of unbounded memory), and EOF at the source closes the destination."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Iterator

import anyio
import pytest

from chaos.link import Link
from chaos.socket_end import SocketSink

pytestmark = pytest.mark.anyio

HIGH_WATER = 64 * 1024


@pytest.fixture
def sockets() -> Iterator[tuple[socket.socket, ...]]:
    """client ⇄ source (read by the link), sink end ⇄ server (the link writes towards the server)."""
    client, source = socket.socketpair()
    destination, server = socket.socketpair()
    pair = (client, source, destination, server)
    for sock in pair:
        sock.setblocking(False)
    yield pair
    for sock in pair:
        sock.close()


async def test_a_slow_reader_bounds_the_buffer_and_still_gets_every_byte_in_order(
    sockets: tuple[socket.socket, ...],
) -> None:
    client, source, destination, server = sockets
    loop = asyncio.get_running_loop()
    finished = asyncio.Event()
    sink = SocketSink(destination, HIGH_WATER, finished.set)
    link = Link(source, sink, random.Random(1), (4096, HIGH_WATER), lambda: None)
    link.start([])
    payload = random.Random(2).randbytes(8 * 1024 * 1024)
    try:
        with anyio.fail_after(20):
            sending = asyncio.create_task(loop.sock_sendall(client, payload))
            received = bytearray()
            while len(received) < len(payload):
                if len(received) < len(payload) // 2:
                    await asyncio.sleep(0.001)  # a slow reader first: the proxy must not buffer it all
                    assert sink.buffered <= 2 * HIGH_WATER
                received += await loop.sock_recv(server, 1 << 20)
            await sending
            client.shutdown(socket.SHUT_WR)
            await finished.wait()  # EOF at the source closes the destination once flushed
            assert await loop.sock_recv(server, 1) == b""
    finally:
        await link.stop()
    assert received == payload
