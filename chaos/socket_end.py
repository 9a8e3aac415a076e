"""The sockets of a proxied connection, driven directly (non-blocking, no asyncio transport or stream).

Why not asyncio streams: a stream copies every byte three times in Python (transport ``recv`` →
``StreamReader`` buffer → ``read()`` result) and adds a task hop per chunk, which held bulk
throughput through the proxy to about a third of a direct connection. Driving the socket ourselves
lets a link with no toxics ``recv_into`` a reused buffer and ``send`` straight from it (see
:mod:`chaos.link`), and lets toxics hand over chunks synchronously, as :mod:`chaos.stream` requires.

:class:`SocketSink` is the destination end of a link. Its ``offer`` is synchronous: what the kernel
does not take at once waits in one FIFO buffer, flushed when the socket is writable, so bytes from
the toxic chain and from the fast path leave in the order they were offered. The end marker closes
the socket for both directions once the buffer is flushed (Toxiproxy closes, never half-closes); the
other link, reading that socket, then sees EOF.

Every socket is closed through :func:`discard`, which unregisters it from the event loop first: a
pending ``sock_recv`` cancelled *after* the close could otherwise unregister a newer socket that
reused the file descriptor.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Callable

from chaos.stream import Item


class SocketSink:
    """Where a link's data leaves the proxy: an ordered, bounded write buffer over a raw socket."""

    def __init__(self, sock: socket.socket, high_water: int, on_finished: Callable[[], None]) -> None:
        self._sock = sock
        self._loop = asyncio.get_running_loop()
        self._high_water = high_water
        self._on_finished = on_finished
        self._pending = bytearray()
        self._progress = asyncio.Event()
        self._ending = False  # the end marker arrived; close once the buffer is flushed
        self.closed = False  # nothing more will be written: closed after the end marker, or failed

    @property
    def buffered(self) -> int:
        return len(self._pending)

    def offer(self, item: Item) -> bool:
        if item is None:
            if not (self.closed or self._ending):
                self._ending = True
                if not self._pending:
                    self._finish()
        else:
            self.write(item.data)
        return True  # never refuses: data after the end is dropped, as on a closed socket

    def force(self, item: Item) -> None:
        self.offer(item)

    def write(self, data: bytes | memoryview) -> None:
        """Send now what the kernel takes; copy the rest into the buffer (so ``data`` may be reused)."""
        if self.closed or self._ending:
            return
        if not self._pending:
            try:
                sent = self._sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self._fail()
                return
            if sent == len(data):
                return
            data = data[sent:]
            self._loop.add_writer(self._sock.fileno(), self._flush)
        self._pending += data

    @property
    def full(self) -> bool:
        """Whether a writer should wait (``wait_writable``) before writing more."""
        return not self.closed and len(self._pending) > self._high_water

    async def wait_writable(self) -> None:
        """Wait until the buffer is at most ``high_water`` bytes (or the socket is gone)."""
        while not self.closed and len(self._pending) > self._high_water:
            self._progress.clear()
            await self._progress.wait()

    def abandon(self) -> None:
        """The connection is being torn down: stop writing, drop what is buffered."""
        self.closed = True
        self._pending.clear()
        self._stop_flushing()
        self._progress.set()

    def _flush(self) -> None:
        try:
            sent = self._sock.send(self._pending)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._fail()
            return
        del self._pending[:sent]
        self._progress.set()
        if not self._pending:
            self._stop_flushing()
            if self._ending:
                self._finish()

    def _stop_flushing(self) -> None:
        if self._sock.fileno() >= 0:
            self._loop.remove_writer(self._sock.fileno())

    def _finish(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._stop_flushing()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # FIN to the peer, EOF to whoever reads this socket
        self._progress.set()
        self._on_finished()

    def _fail(self) -> None:
        self._pending.clear()
        self._finish()


def discard(sock: socket.socket) -> None:
    """Unregister ``sock`` from the running loop, then close it (a RST if linger 0 was set)."""
    fd = sock.fileno()
    if fd >= 0:
        loop = asyncio.get_running_loop()
        loop.remove_reader(fd)
        loop.remove_writer(fd)
    sock.close()


def set_linger_zero(sock: socket.socket) -> None:
    """Make the next close of this socket send a RST instead of a FIN (SO_LINGER on, 0 s)."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
