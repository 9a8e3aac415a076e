"""One direction of one proxied connection: a source socket, a chain of running toxics, a socket sink.

Toxics are added, updated and removed while data flows (Toxiproxy's link.go): adding appends a stage
and re-points the previous output; removing interrupts the stage, delivers what it held, and splices
its input channel into the next outlet, so no byte is lost or reordered. As in link.go, the toxic
before an added or removed one restarts, so its toxicity is rolled again.

Why a fast path: most links carry no toxic most of the time, and a proxy that costs a large share
of the bandwidth or of a round trip distorts every measurement taken through it. With no toxics the
bytes go from a readiness callback straight to the sink: ``recv_into`` a reused buffer, then a
non-blocking ``send`` (one copy in, one out; no chunk objects, channels or task hops). The buffer
grows from ``read_size`` to ``fast_read_size`` once a read fills it, so only connections carrying
bulk data pay for the large one.

Why a callback and not ``await loop.sock_recv_into``: each read that has to wait would register the
socket with the selector, wake a future, unregister it, and resume the task one loop iteration
later before it could send (two extra selector calls and a task step per chunk). For request/reply
traffic every chunk waits, and that was about half the proxy's CPU time per round trip. The callback
stays registered while the link is fast, so a chunk costs one readiness event, one read and one send
(as an ``asyncio.Protocol`` would, but on the raw socket the toxic chain also reads). The reader task
only sleeps meanwhile; the callback *parks* it (unregisters itself, then wakes the task) at EOF, when
the sink is over its high-water mark (the task waits for it to drain: back-pressure), or when it
finds a toxic at the head of the link. One read per readiness event also keeps a bulk transfer from
starving the API and the other connections.

The choice is made per read, synchronously in the callback: it reads only while the link has no
toxic, so bytes read before a toxic was added already sit in the sink's FIFO, ahead of anything the
chain will emit, and everything after is read by the task into the chain. A removed toxic hands
what it held and queued to the sink before the reader can see an empty chain. So switching either
way keeps every byte exactly once and in order.
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
        self._buffer = memoryview(bytearray(self._read_size))  # fast-path reads, reused
        self._parked: asyncio.Future[None] | None = None  # set when the readiness callback stops
        self._at_eof = False

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
        while True:
            if self._head is self._sink:
                await self._pump_fast(loop)  # returns at EOF, on sink back-pressure, or when a toxic came
                if self._at_eof:
                    await self._deliver(None)
                    return
                await self._sink.wait_writable()
                continue
            try:
                data = await loop.sock_recv(self._source, self._read_size)
            except (ConnectionError, OSError):
                data = b""
            await self._deliver(Chunk(data, loop.time()) if data else None)
            if not data:
                return

    async def _pump_fast(self, loop: asyncio.AbstractEventLoop) -> None:
        """Move bytes from a readiness callback until it parks (see the module docstring)."""
        fd = self._source.fileno()
        if fd < 0:
            self._at_eof = True
            return
        self._parked = loop.create_future()
        loop.add_reader(fd, self._on_readable)
        try:
            await self._parked
        finally:
            if self._source.fileno() == fd:  # a closed socket was already unregistered by discard()
                loop.remove_reader(fd)

    def _on_readable(self) -> None:
        """One read straight into the sink; park the task when the fast path must stop."""
        if self._head is not self._sink:  # a toxic was added: the chain reads from now on
            self._park()
            return
        try:
            count = self._source.recv_into(self._buffer)
        except (BlockingIOError, InterruptedError):
            return
        except (ConnectionError, OSError):
            count = 0  # a reset source ends the link like EOF
        if not count:
            self._at_eof = True
            self._park()
            return
        self._sink.write(self._buffer[:count])
        if count == len(self._buffer) < self._fast_read_size:  # bulk data: read more per call
            self._buffer = memoryview(bytearray(self._fast_read_size))
        if self._sink.full:
            self._park()  # the task waits for the sink to drain, then reads again

    def _park(self) -> None:
        """Stop the readiness callback now (not when the task runs again) and wake the task."""
        if self._source.fileno() >= 0:
            asyncio.get_running_loop().remove_reader(self._source.fileno())
        if self._parked is not None and not self._parked.done():
            self._parked.set_result(None)

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
