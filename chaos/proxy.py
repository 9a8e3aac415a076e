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
import socket
from typing import Any

from chaos import errors
from chaos.address import AddressError, bind_listener, set_nodelay, split_host_port
from chaos.chain import ToxicChain
from chaos.connection import Connection
from chaos.errors import ApiError
from chaos.settings import ChaosSettings
from chaos.socket_end import discard

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
        self._listener: socket.socket | None = None
        self._accepting: asyncio.Task[None] | None = None
        self._handlers: set[asyncio.Task[None]] = set()

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
        if self._listener is not None:
            return
        try:
            sock, resolved = await bind_listener(self.listen)
        except AddressError as exc:
            raise ApiError(errors.LISTEN_FAILED, f"listen tcp {self.listen}: {exc}") from None
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise ApiError(errors.LISTEN_FAILED, f"listen tcp {self.listen}: bind: {reason}") from None
        self._listener = sock
        self._accepting = asyncio.create_task(self._accept_loop(sock))
        self.listen = resolved
        self.enabled = True

    async def stop(self) -> None:
        """Close the listener and every connection (clients and upstreams see EOF)."""
        self.enabled = False
        listener, self._listener = self._listener, None
        if listener is not None:
            discard(listener)  # refuse new connections now
        accepting, self._accepting = self._accepting, None
        handlers = [task for task in (accepting, *self._handlers) if task is not None]
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

    async def _accept_loop(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                client, _ = await loop.sock_accept(listener)
            except OSError as exc:  # e.g. out of file descriptors: keep listening
                log.warning("proxy %s: accept failed: %s", self.name, exc)
                await asyncio.sleep(0.1)
                continue
            client.setblocking(False)
            set_nodelay(client)
            task = asyncio.create_task(self._serve(client))
            self._handlers.add(task)  # counted and cancellable from the moment it is accepted
            task.add_done_callback(self._handlers.discard)

    async def _serve(self, client: socket.socket) -> None:
        connection: Connection | None = None
        try:
            upstream = await self._dial()
            if upstream is None:
                return
            read_sizes = (self._settings.read_size, self._settings.fast_read_size)
            connection = Connection(client, upstream, self._rng, read_sizes)
            self.toxics.open(connection)
            await connection.wait_closed()
        except asyncio.CancelledError:
            pass
        finally:
            if connection is not None:
                self.toxics.forget(connection)
                await connection.close()
            else:
                discard(client)

    async def _dial(self) -> socket.socket | None:
        """Connect to the upstream (every resolved address in turn), non-blocking and without Nagle."""
        loop = asyncio.get_running_loop()
        try:
            target = split_host_port(self.upstream)
            async with asyncio.timeout(self._settings.upstream_connect_timeout_s):
                infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
                failure: OSError = OSError(f"no address for {self.upstream}")
                for family, kind, proto, _, address in infos:
                    sock = socket.socket(family, kind, proto)
                    sock.setblocking(False)
                    try:
                        await loop.sock_connect(sock, address)
                    except OSError as exc:
                        discard(sock)
                        failure = exc
                        continue
                    except BaseException:
                        discard(sock)
                        raise
                    set_nodelay(sock)
                    return sock
                raise failure
        except (AddressError, OSError, TimeoutError) as exc:
            log.info("proxy %s: cannot reach upstream %s: %s", self.name, self.upstream, exc)
            return None
