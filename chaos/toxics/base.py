"""What every toxic is: typed attributes plus ``pipe(stub)``, and the stub that runs it on one link.

A toxic type is a pydantic model of its attributes (Toxiproxy's JSON ``attributes``) with an async
``pipe`` that reads chunks from ``stub.recv()`` and writes them with ``stub.send()``. The
:class:`ToxicStub` owns everything per link: the input channel, the output, the chunk currently held
(so an interrupted toxic never drops data), per-link state (``limit_data``'s byte count survives
updates) and the RNG. Toxicity is rolled once here, in :meth:`ToxicStub.run`, not in each toxic: a link
that loses the roll passes data through unchanged.
"""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from chaos.stream import Channel, Chunk, Item, Outlet

if TYPE_CHECKING:
    from collections.abc import Callable


class Toxic(BaseModel):
    """Attributes of one toxic type; subclasses set ``type_name`` and implement ``pipe``."""

    model_config = ConfigDict(extra="ignore", strict=True, validate_assignment=True)

    type_name: ClassVar[str] = ""
    # reset_peer: connections opened while it exists get SO_LINGER 0, so their close is a RST.
    resets_peer: ClassVar[bool] = False

    async def pipe(self, stub: ToxicStub) -> None:
        await pass_through(stub)

    def new_state(self) -> Any:
        """Per-link state kept across updates of the toxic (Go's StatefulToxic)."""
        return None

    def closes_on_removal(self) -> bool:
        """Whether removing the toxic closes the links it was active on (Go's CleanupToxic)."""
        return False


async def pass_through(stub: ToxicStub) -> None:
    """The noop behaviour: forward every chunk, close on the end marker."""
    while True:
        chunk = await stub.recv()
        if chunk is None:
            await stub.close()
            return
        await stub.send(chunk)


class ToxicStub:
    """One toxic on one link: its input, its output, the chunk it holds, its per-link state."""

    def __init__(
        self,
        input_channel: Channel,
        output: Outlet,
        rng: random.Random,
        on_reset: Callable[[], None],
    ) -> None:
        self.input = input_channel
        self.output = output
        self.rng = rng
        self.holding: Item = None
        self.has_holding = False
        self.state: Any = None
        self.closed = False
        self.active = False
        self._on_reset = on_reset

    async def run(self, toxic: Toxic, toxicity: float) -> None:
        """Roll toxicity for this (re)start, then run the toxic or pass data through."""
        self.active = self.rng.random() < toxicity
        if self.active:
            await toxic.pipe(self)
        else:
            await pass_through(self)

    async def recv(self) -> Item:
        item = await self.input.get()
        self.holding = item
        self.has_holding = True
        return item

    def hold(self, chunk: Chunk | None) -> None:
        """Say which data is still undelivered if the toxic is interrupted now (``None``: nothing)."""
        self.holding = chunk
        self.has_holding = chunk is not None

    async def send(self, chunk: Chunk) -> None:
        while True:
            output = self.output
            await output.wait_writable()
            if output is self.output and output.offer(chunk):
                self.holding = None
                self.has_holding = False
                return

    async def close(self) -> None:
        """Send the end marker downstream; the link's destination closes when it arrives."""
        while True:
            output = self.output
            await output.wait_writable()
            if output is self.output and output.offer(None):
                break
        self.holding = None
        self.has_holding = False
        self.closed = True

    def drop(self) -> None:
        """Forget the held chunk (toxics that swallow data)."""
        self.holding = None
        self.has_holding = False

    def reset_connection(self) -> None:
        """Abort the whole connection now (reset_peer)."""
        self.closed = True
        self._on_reset()

    def flush_holding(self) -> None:
        """After an interruption: deliver the held chunk to the output, skipping the toxic."""
        if not self.has_holding or self.closed:
            return
        item = self.holding
        self.holding = None
        self.has_holding = False
        if not self.output.offer(item):
            force = getattr(self.output, "force", None)
            if force is not None:
                force(item)
        if item is None:
            self.closed = True


async def sleep_ms(milliseconds: float) -> None:
    if milliseconds > 0:
        await asyncio.sleep(milliseconds / 1000)
