"""One proxied TCP connection: the client and upstream sockets and a link in each direction."""

from __future__ import annotations

import asyncio
import contextlib
import random

from chaos.link import Link
from chaos.spec import Stream, ToxicSpec
from chaos.stream import set_linger_zero


class Connection:
    """client ⇄ proxy ⇄ upstream. ``upstream`` link: client→server; ``downstream``: server→client."""

    def __init__(
        self,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        rng: random.Random,
        read_size: int,
    ) -> None:
        self._client_writer = client[1]
        self._upstream_writer = upstream[1]
        self.links: dict[Stream, Link] = {
            "upstream": Link(client[0], upstream[1], rng, read_size, self.reset),
            "downstream": Link(upstream[0], client[1], rng, read_size, self.reset),
        }

    def start(self, chains: dict[Stream, list[ToxicSpec]]) -> None:
        if any(spec.toxic.resets_peer for specs in chains.values() for spec in specs):
            set_linger_zero(self._client_writer)
            set_linger_zero(self._upstream_writer)
        for stream, link in self.links.items():
            link.start(chains[stream])

    async def wait_closed(self) -> None:
        for writer in (self._client_writer, self._upstream_writer):
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    def reset(self) -> None:
        """Close both sockets at once (a RST where linger was set when the connection opened)."""
        for writer in (self._client_writer, self._upstream_writer):
            writer.transport.abort()

    async def close(self) -> None:
        self.reset()
        for link in self.links.values():
            await link.stop()
