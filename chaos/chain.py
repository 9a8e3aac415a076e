"""The toxics configured on one proxy, per stream, and the live links they apply to.

Every change is applied to the configuration first (so connections opening meanwhile start with it)
and then to each live link of that stream, under one lock per proxy so edits never interleave.
"""

from __future__ import annotations

import asyncio

from chaos.connection import Connection
from chaos.spec import STREAMS, Stream, ToxicSpec


class ToxicChain:
    """Toxiproxy's ToxicCollection: ordered toxics per stream, names unique across both streams."""

    def __init__(self) -> None:
        self._specs: dict[Stream, list[ToxicSpec]] = {stream: [] for stream in STREAMS}
        self._connections: set[Connection] = set()
        self._lock = asyncio.Lock()

    def snapshot(self) -> dict[Stream, list[ToxicSpec]]:
        return {stream: list(specs) for stream, specs in self._specs.items()}

    def all(self) -> list[ToxicSpec]:
        """Upstream chain then downstream chain, each in insertion order (the API's order)."""
        return [spec for stream in STREAMS for spec in self._specs[stream]]

    def find(self, name: str) -> ToxicSpec | None:
        return next((spec for spec in self.all() if spec.name == name), None)

    def open(self, connection: Connection) -> None:
        """Start ``connection`` with the current toxics and keep it in step with later changes."""
        self._connections.add(connection)
        connection.start(self.snapshot())

    def forget(self, connection: Connection) -> None:
        self._connections.discard(connection)

    async def add(self, spec: ToxicSpec) -> None:
        async with self._lock:
            self._specs[spec.stream].append(spec)
            for connection in list(self._connections):
                await connection.links[spec.stream].add(spec)

    async def update(self, spec: ToxicSpec) -> None:
        async with self._lock:
            specs = self._specs[spec.stream]
            specs[[s.name for s in specs].index(spec.name)] = spec
            for connection in list(self._connections):
                await connection.links[spec.stream].update(spec)

    async def remove(self, name: str) -> None:
        async with self._lock:
            spec = self.find(name)
            if spec is None:
                return
            self._specs[spec.stream].remove(spec)
            for connection in list(self._connections):
                await connection.links[spec.stream].remove(name)

    async def clear(self) -> None:
        for spec in self.all():
            await self.remove(spec.name)
