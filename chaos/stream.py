"""The plumbing of one direction of a proxied connection: chunks and the channels between toxics.

A link is ``reader → [channel → toxic]* → socket sink``. Every stage writes to an :class:`Outlet`
(the next toxic's :class:`Channel` or the link's :class:`~chaos.socket_end.SocketSink`) in two
steps: ``await wait_writable()`` then a synchronous ``offer()``. Offering is synchronous so that a toxic cancelled at
an ``await`` never loses nor duplicates a chunk: a chunk is either accepted by the outlet or still held
by the toxic's stub. A channel can be *spliced out* (its toxic removed): its content moves to the next
outlet and anyone still writing to it is forwarded there, so no byte is dropped or reordered.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Protocol


@dataclass(slots=True)
class Chunk:
    """Bytes read from a socket, stamped with the loop time they arrived (latency counts from there)."""

    data: bytes
    received_at: float


# ``None`` travels down a link as the end marker: the source reached EOF or a toxic closed the link.
Item = Chunk | None


class Outlet(Protocol):
    """Where a stage writes: the next toxic's channel, or the destination socket."""

    def offer(self, item: Item) -> bool: ...

    async def wait_writable(self) -> None: ...


class Channel:
    """A bounded FIFO between two stages of a link (Toxiproxy's buffered Go channel, 1024 chunks)."""

    def __init__(self, capacity: int = 1024) -> None:
        self._items: deque[Item] = deque()
        self._capacity = capacity
        self._changed = asyncio.Event()
        self._spliced_into: Outlet | None = None

    def __len__(self) -> int:
        return len(self._items)

    def offer(self, item: Item) -> bool:
        if self._spliced_into is not None:
            return self._spliced_into.offer(item)
        if len(self._items) >= self._capacity:
            return False
        self._items.append(item)
        self._changed.set()
        return True

    async def wait_writable(self) -> None:
        while self._spliced_into is None and len(self._items) >= self._capacity:
            self._changed.clear()
            await self._changed.wait()
        if self._spliced_into is not None:
            await self._spliced_into.wait_writable()

    async def get(self) -> Item:
        while not self._items:
            self._changed.clear()
            await self._changed.wait()
        item = self._items.popleft()
        self._changed.set()
        return item

    def splice_into(self, successor: Outlet) -> None:
        """Hand every queued item to ``successor`` and forward all later writes there."""
        while self._items:
            item = self._items.popleft()
            if not successor.offer(item):
                force = getattr(successor, "force", None)
                if force is None:
                    raise RuntimeError("successor refused a spliced item")
                force(item)
        self._spliced_into = successor
        self._changed.set()

    def force(self, item: Item) -> None:
        """Accept ``item`` even when full (used only while splicing, so nothing is dropped)."""
        if self._spliced_into is not None:
            if not self._spliced_into.offer(item):
                force = getattr(self._spliced_into, "force", None)
                if force is not None:
                    force(item)
            return
        self._items.append(item)
        self._changed.set()
