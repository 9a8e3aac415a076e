"""One direction of one proxied connection: a reader, a chain of running toxics, the destination socket.

Toxics are added, updated and removed while data flows (Toxiproxy's link.go): adding appends a stage
and re-points the previous output; removing interrupts the stage, delivers what it held, and splices
its input channel into the next outlet, so no byte is lost or reordered. With no toxics the reader
writes straight to the destination: no queue, no task hop, one 64 KiB read per write.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

from chaos.spec import ToxicSpec
from chaos.stream import Channel, Chunk, Outlet, SocketOutlet
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
    """reader → [toxic]* → destination, for one direction of one connection."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        rng: random.Random,
        read_size: int,
        on_reset: Callable[[], None],
    ) -> None:
        self._reader = reader
        self._sink = SocketOutlet(writer)
        self._rng = rng
        self._read_size = read_size
        self._on_reset = on_reset
        self._stages: list[Stage] = []
        self._head: Outlet = self._sink
        self._reader_task: asyncio.Task[None] | None = None

    def start(self, specs: list[ToxicSpec]) -> None:
        for spec in specs:
            self.add(spec)
        self._reader_task = asyncio.create_task(self._read_loop())

    @property
    def toxic_names(self) -> list[str]:
        return [stage.spec.name for stage in self._stages]

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        reader = self._reader
        size = self._read_size
        while True:
            try:
                data = await reader.read(size)
            except (ConnectionError, OSError):
                data = b""
            item = Chunk(data, loop.time()) if data else None
            while True:
                head = self._head
                await head.wait_writable()
                if head is self._head and head.offer(item):
                    break
            if item is None:
                return

    def _run(self, stage: Stage) -> None:
        stage.task = asyncio.create_task(stage.stub.run(stage.spec.toxic, stage.spec.toxicity))

    def add(self, spec: ToxicSpec) -> None:
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
        stage = self._stages[index]
        await interrupt(stage.task)
        stage.stub.flush_holding()
        stage.spec = spec
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

    async def stop(self) -> None:
        for task in [self._reader_task, *(stage.task for stage in self._stages)]:
            await interrupt(task)
