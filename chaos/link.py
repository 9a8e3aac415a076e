"""One direction of one proxied connection: a source socket, a chain of running toxics, a socket sink.

Toxics are added, updated and removed while data flows (Toxiproxy's link.go): adding appends a stage
and re-points the previous output; removing interrupts the stage, delivers what it held, and splices
its input channel into the next outlet, so no byte is lost or reordered. As in link.go, the toxic
before an added or removed one restarts, so its toxicity is rolled again.

Why a fast path: most links carry no toxic most of the time, and a proxy that costs a large share
of the bandwidth distorts every measurement taken through it. With no toxics the reader
``recv_into`` s a reused buffer and hands the bytes straight to the sink (one copy in, one out; no
chunk objects, channels or task hops); the buffer grows from ``read_size`` to ``fast_read_size``
once a read fills it, so only connections carrying bulk data pay for the large one.

The choice is made per read, synchronously after the read returns: bytes read after a toxic was
added go through the chain; bytes read before it already sit in the sink's FIFO, ahead of anything
the chain will emit. A removed toxic hands what it held and queued to the sink before the reader can
see an empty chain. So switching either way keeps every byte exactly once and in order.
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass

from chaos.socket_end import SocketSink
from chaos.spec import ToxicSpec
from chaos.stream import Channel, Chunk, Item, Outlet
from chaos.toxics import ToxicStub


@dataclass
class Stage:
    """A toxic running on this link."""

    spec: ToxicSpec
    input: Channel
    stub: ToxicStub
    task: asyncio.Task[None] | None = None


async def interrupt(task: asyncio.Task[None] | None) -> None:
    """Cancel a stage's task and wait until it has stopped (without swallowing our own cancellation)."""
    if task is None or task.done():
        return
    task.cancel()
    await asyncio.wait([task])


class Link:
    """source socket → [toxic]* → sink, for one direction of one connection."""

    def __init__(
        self,
        source: socket.socket,
        sink: SocketSink,
        rng: random.Random,
        read_sizes: tuple[int, int],
        on_reset: Callable[[], None],
    ) -> None:
        self._source = source
        self._sink = sink
        self._rng = rng
        self._read_size, self._fast_read_size = read_sizes  # chunks for toxics; fast-path reads
        self._on_reset = on_reset
        self._stages: list[Stage] = []
        self._head: Outlet = self._sink
        self._reader_task: asyncio.Task[None] | None = None

    def start(self, specs: list[ToxicSpec]) -> None:
        for spec in specs:
            self._append(spec)
        self._reader_task = asyncio.create_task(self._read_loop())

    @property
    def toxic_names(self) -> list[str]:
        return [stage.spec.name for stage in self._stages]

    @property
    def fast(self) -> bool:
        """Whether data currently goes straight from the source to the sink."""
        return self._head is self._sink

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        buffer = memoryview(bytearray(self._read_size))
        unyielded = 0  # bytes moved since this task last let the loop run
        while True:
            if self._head is self._sink:
                count = await self._recv_into(loop, buffer)
                if count and self._head is self._sink:  # still no toxic: straight to the socket
                    self._sink.write(buffer[:count])
                    if count == len(buffer) < self._fast_read_size:  # bulk data: read more per call
                        buffer = memoryview(bytearray(self._fast_read_size))
                    await self._sink.wait_writable()
                    unyielded += count
                    if unyielded >= self._fast_read_size:
                        # Reads and sends that never block never yield: a long transfer would starve
                        # the API (and toxics could not be added) and every other connection.
                        unyielded = 0
                        await asyncio.sleep(0)
                    continue
                items = self._chunks(buffer[:count], loop.time())
            else:
                try:
                    data = await loop.sock_recv(self._source, self._read_size)
                except (ConnectionError, OSError):
                    data = b""
                items = [Chunk(data, loop.time())] if data else [None]
            for item in items:
                await self._deliver(item)
            if items[-1] is None:
                return

    async def _recv_into(self, loop: asyncio.AbstractEventLoop, buffer: memoryview) -> int:
        try:
            return await loop.sock_recv_into(self._source, buffer)
        except (ConnectionError, OSError):
            return 0  # a reset source ends the link like EOF

    def _chunks(self, data: memoryview, received_at: float) -> list[Item]:
        """A fast-path read that a toxic now wants, cut to the chunk size the chain reads."""
        if not data:
            return [None]
        size = self._read_size
        return [Chunk(bytes(data[i : i + size]), received_at) for i in range(0, len(data), size)]

    async def _deliver(self, item: Item) -> None:
        while True:
            head = self._head
            await head.wait_writable()
            if head is self._head and head.offer(item):
                return

    def _run(self, stage: Stage) -> None:
        stage.task = asyncio.create_task(stage.stub.run(stage.spec.toxic, stage.spec.toxicity))

    async def add(self, spec: ToxicSpec) -> None:
        """Append a toxic; the one before it restarts and rolls its toxicity again (link.go)."""
        self._append(spec)
        if len(self._stages) > 1:
            await self._restart(self._stages[-2])

    def _append(self, spec: ToxicSpec) -> None:
        """Append a toxic at the end of the chain (synchronous: no data can slip past)."""
        channel = Channel()
        stub = ToxicStub(channel, self._sink, self._rng, self._on_reset)
        stub.state = spec.toxic.new_state()
        stage = Stage(spec, channel, stub)
        if self._stages:
            self._stages[-1].stub.output = channel
        else:
            self._head = channel
        self._stages.append(stage)
        self._run(stage)

    def _find(self, name: str) -> int | None:
        for index, stage in enumerate(self._stages):
            if stage.spec.name == name:
                return index
        return None

    async def update(self, spec: ToxicSpec) -> None:
        """Restart a toxic with new attributes; its per-link state and position are kept."""
        index = self._find(spec.name)
        if index is None:
            return
        self._stages[index].spec = spec
        await self._restart(self._stages[index])

    async def _restart(self, stage: Stage) -> None:
        """Interrupt a toxic (what it held goes on, untouched) and run it again with a new roll."""
        await interrupt(stage.task)
        stage.stub.flush_holding()
        if not stage.stub.closed:
            self._run(stage)

    async def remove(self, name: str) -> None:
        """Take a toxic out of the chain; what it held and queued goes on to the next outlet."""
        index = self._find(name)
        if index is None:
            return
        stage = self._stages[index]
        await interrupt(stage.task)
        successor = stage.stub.output
        if stage.stub.active and not stage.stub.closed and stage.spec.toxic.closes_on_removal():
            stage.stub.hold(None)
            stage.stub.has_holding = True  # deliver the end marker: the link closes (Toxiproxy's cleanup)
        stage.stub.flush_holding()
        if index > 0:
            self._stages[index - 1].stub.output = successor
        else:
            self._head = successor
        stage.input.splice_into(successor)
        del self._stages[index]
        if index > 0:
            await self._restart(self._stages[index - 1])

    async def stop(self) -> None:
        for task in [self._reader_task, *(stage.task for stage in self._stages)]:
            await interrupt(task)
