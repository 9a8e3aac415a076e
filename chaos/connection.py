"""One proxied TCP connection: the client and upstream sockets and a link in each direction.

The ``upstream`` link reads the client socket and writes the upstream one; ``downstream`` the
reverse. The connection is over when both sinks have closed (each after its link's end marker), or
at once when a toxic resets it or the proxy drops it.
"""

from __future__ import annotations

import asyncio
import random
import socket

from chaos.link import Link
from chaos.socket_end import SocketSink, discard, set_linger_zero
from chaos.spec import Stream, ToxicSpec


class Connection:
    """client ⇄ proxy ⇄ upstream over two non-blocking sockets that this object owns and closes."""

    def __init__(
        self,
        client: socket.socket,
        upstream: socket.socket,
        rng: random.Random,
        read_sizes: tuple[int, int],
    ) -> None:
        self._sockets = (client, upstream)
        self._done = asyncio.Event()
        high_water = read_sizes[1]
        self._sinks = (
            SocketSink(client, high_water, self._sink_finished),
            SocketSink(upstream, high_water, self._sink_finished),
        )
        to_client, to_upstream = self._sinks
        self.links: dict[Stream, Link] = {
            "upstream": Link(client, to_upstream, rng, read_sizes, self.reset),
            "downstream": Link(upstream, to_client, rng, read_sizes, self.reset),
        }

    def start(self, chains: dict[Stream, list[ToxicSpec]]) -> None:
        # Toxiproxy sets linger when a link starts with reset_peer in its chain, so only connections
        # opened while the toxic exists get a RST; older ones close with a plain FIN.
        if any(spec.toxic.resets_peer for specs in chains.values() for spec in specs):
            for sock in self._sockets:
                set_linger_zero(sock)
        for stream, link in self.links.items():
            link.start(chains[stream])

    async def wait_closed(self) -> None:
        await self._done.wait()

    def _sink_finished(self) -> None:
        if all(sink.closed for sink in self._sinks):
            self._done.set()

    def reset(self) -> None:
        """Close both sockets at once (a RST where linger was set when the connection opened)."""
        for sink in self._sinks:
            sink.abandon()
        for sock in self._sockets:
            discard(sock)
        self._done.set()

    async def close(self) -> None:
        self.reset()
        for link in self.links.values():
            await link.stop()
