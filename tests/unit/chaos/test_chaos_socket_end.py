"""The socket end of a link: bytes leave in the order offered (fast-path writes and toxic chunks share one
FIFO), the buffer is bounded, the end marker closes only after a flush, and a torn-down sink drops data."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Iterator

import anyio
import pytest

from chaos.socket_end import SocketSink, discard
from chaos.stream import Chunk

pytestmark = pytest.mark.anyio


@pytest.fixture
def socket_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    near, far = socket.socketpair()
    near.setblocking(False)
    far.setblocking(False)
    yield near, far
    near.close()
    far.close()


async def read_some(far: socket.socket, size: int) -> bytes:
    with anyio.fail_after(5):
        return await asyncio.get_running_loop().sock_recv(far, size)


async def read_until_eof(far: socket.socket) -> bytes:
    received = bytearray()
    while data := await read_some(far, 1 << 20):
        received += data
    return bytes(received)


async def test_bytes_leave_in_offer_order_while_the_peer_reads_in_between(
    anyio_backend: str, socket_pair: tuple[socket.socket, socket.socket]
) -> None:
    near, far = socket_pair
    finished: list[bool] = []
    sink = SocketSink(near, 64 * 1024, lambda: finished.append(True))
    rng = random.Random(5)
    blocks = [rng.randbytes(48 * 1024) for _ in range(64)]
    received = bytearray()
    scratch = bytearray(48 * 1024)
    for index, block in enumerate(blocks):
        if index % 2:
            sink.offer(Chunk(block, 0.0))  # from the toxic chain
        else:
            view = memoryview(scratch)  # the fast path reuses one buffer
            view[:] = block
            sink.write(view)
        if index % 8 == 7:
            assert sink.buffered > 0  # the peer is slower than the writer: the buffer is in use
            received += await read_some(far, 100 * 1024)  # frees kernel space while older bytes wait
    sink.offer(None)
    assert not finished, "the end marker waits for the buffer to flush"
    received += await read_until_eof(far)
    assert bytes(received) == b"".join(blocks)
    assert finished == [True] and sink.closed


async def test_wait_writable_blocks_above_the_high_water_mark(
    anyio_backend: str, socket_pair: tuple[socket.socket, socket.socket]
) -> None:
    near, far = socket_pair
    sink = SocketSink(near, 64 * 1024, lambda: None)
    while sink.buffered <= 64 * 1024:
        sink.write(bytes(256 * 1024))
    waiter = asyncio.ensure_future(sink.wait_writable())
    await asyncio.sleep(0.05)
    assert not waiter.done()
    with anyio.fail_after(5):
        while not waiter.done():
            await read_some(far, 1 << 20)
    assert sink.buffered <= 64 * 1024


async def test_abandoned_sink_drops_data_and_a_discarded_socket_reads_eof_at_the_peer(
    anyio_backend: str, socket_pair: tuple[socket.socket, socket.socket]
) -> None:
    near, far = socket_pair
    sink = SocketSink(near, 64 * 1024, lambda: None)
    sink.write(b"kept")
    sink.abandon()
    sink.write(b"dropped")
    sink.offer(Chunk(b"dropped", 0.0))
    discard(near)
    assert await read_until_eof(far) == b"kept"


async def test_a_failed_peer_closes_the_sink_instead_of_raising(
    anyio_backend: str, socket_pair: tuple[socket.socket, socket.socket]
) -> None:
    near, far = socket_pair
    finished: list[bool] = []
    sink = SocketSink(near, 64 * 1024, lambda: finished.append(True))
    far.close()
    for _ in range(3):
        sink.write(b"into a closed peer")
    assert sink.closed and finished == [True]
    await sink.wait_writable()  # returns at once: nothing more will be written
