"""The embedded Toxiproxy-compatible TCP proxy: a listener that relays each connection to its upstream.

Why it is written here: no Toxiproxy server is installable from the package registries this project
relies on (it is a Go binary), and no maintained asyncio library implements Toxiproxy's toxics, its
semantics on live connections, or its API. So this package ports its behaviour (proxy.go's accept loop,
link.go's per-direction chain, toxics/*.go), tested against Toxiproxy's own test cases.

A :class:`Proxy` owns its listener, its live :class:`~chaos.connection.Connection` s and its
:class:`~chaos.chain.ToxicChain`. Disabling closes the listener and every connection; re-enabling
listens again on the address resolved the first time (``localhost:0`` → ``127.0.0.1:40123``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from chaos import errors
from chaos.address import AddressError, bind_listener, set_nodelay, split_host_port
from chaos.chain import ToxicChain
from chaos.connection import Connection
from chaos.errors import ApiError
from chaos.settings import ChaosSettings

log = logging.getLogger(__name__)


class Proxy:
    """One named proxy: ``listen`` → ``upstream``, with its toxics."""

    def __init__(
        self, name: str, listen: str, upstream: str, rng: random.Random, settings: ChaosSettings
    ) -> None:
        self.name = name
        self.listen = listen
        self.upstream = upstream
        self.enabled = False
        self.toxics = ToxicChain()
        self._rng = rng
        self._settings = settings
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[Any]] = set()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "listen": self.listen,
            "upstream": self.upstream,
            "enabled": self.enabled,
            "toxics": [spec.to_json() for spec in self.toxics.all()],
        }

    @property
    def connection_count(self) -> int:
        return len(self._handlers)

    async def start(self) -> None:
        """Listen (no-op when already listening); a bind failure is a 500 with Go's wording."""
        if self._server is not None:
            return
        try:
            sock, resolved = await bind_listener(self.listen)
        except AddressError as exc:
            raise ApiError(errors.LISTEN_FAILED, f"listen tcp {self.listen}: {exc}") from None
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise ApiError(errors.LISTEN_FAILED, f"listen tcp {self.listen}: bind: {reason}") from None
        limit = self._settings.read_size * 2
        self._server = await asyncio.start_server(self._serve, sock=sock, limit=limit)
        self.listen = resolved
        self.enabled = True

    async def stop(self) -> None:
        """Close the listener and every connection (clients and upstreams see EOF)."""
        self.enabled = False
        server, self._server = self._server, None
        if server is not None:
            server.close()
        handlers = list(self._handlers)
        for task in handlers:
            task.cancel()
        if handlers:
            await asyncio.wait(handlers)

    async def update(self, listen: str, upstream: str, enabled: bool) -> None:
        """PATCH semantics: a new listen or upstream restarts the proxy, dropping its connections."""
        if listen != self.listen or upstream != self.upstream:
            await self.stop()
            self.listen, self.upstream = listen, upstream
        if enabled and not self.enabled:
            await self.start()
        elif not enabled and self.enabled:
            await self.stop()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        connection: Connection | None = None
        try:
            upstream = await self._dial()
            if upstream is None:
                return
            for writer in (client_writer, upstream[1]):
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    set_nodelay(sock)
            connection = Connection(
                (client_reader, client_writer), upstream, self._rng, self._settings.read_size
            )
            self.toxics.open(connection)
            await connection.wait_closed()
        except asyncio.CancelledError:
            pass
        finally:
            self._handlers.discard(task)
            if connection is not None:
                self.toxics.forget(connection)
                await connection.close()
            else:
                client_writer.transport.abort()

    async def _dial(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        try:
            target = split_host_port(self.upstream)
            async with asyncio.timeout(self._settings.upstream_connect_timeout_s):
                return await asyncio.open_connection(
                    target.host, target.port, limit=self._settings.read_size * 2
                )
        except (AddressError, OSError, TimeoutError) as exc:
            log.info("proxy %s: cannot reach upstream %s: %s", self.name, self.upstream, exc)
            return None
