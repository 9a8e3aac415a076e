"""Serve any ASGI app with uvicorn inside the caller's event loop, on a port bound beforehand.

Binding the socket first (port 0 → a free port) removes the race between picking a port and
listening on it; the context manager returns only once uvicorn accepts connections, and stops it
on exit. The launcher, the tests and the CLI all start services this way.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import uvicorn

from servers.common.settings import TlsSettings


@dataclass(frozen=True)
class Listening:
    """Where a started service accepts connections."""

    host: str
    port: int
    scheme: str

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this; without it Nagle + delayed ACK cost ~40 ms per HTTP round trip.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def uvicorn_tls_options(tls: TlsSettings) -> dict[str, Any]:
    if not tls.enabled:
        return {}
    options: dict[str, Any] = {"ssl_certfile": tls.cert_file, "ssl_keyfile": tls.key_file}
    if tls.ca_file:
        options["ssl_ca_certs"] = tls.ca_file
        options["ssl_cert_reqs"] = ssl.CERT_REQUIRED
    return options


class EmbeddedUvicorn(uvicorn.Server):
    """A uvicorn server that leaves signals to its host program (several run in one process)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def serve_asgi(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: TlsSettings | None = None,
    log_level: str = "warning",
    startup_timeout_s: float = 10.0,
) -> AsyncIterator[Listening]:
    """Run ``app`` until the block exits; yields the bound address.

    An app that must be served with particular uvicorn options (the gateway: its slow-client protocol)
    names them in ``app.state.uvicorn_options``, so every way of serving it applies them.
    """
    tls = tls or TlsSettings()
    own_options = dict(getattr(getattr(app, "state", None), "uvicorn_options", None) or {})
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level=log_level,
        lifespan="auto",
        access_log=False,
        timeout_graceful_shutdown=2,
        **uvicorn_tls_options(tls),
        **own_options,
    )
    server = EmbeddedUvicorn(config)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            try:
                with anyio.fail_after(startup_timeout_s):
                    while not server.started:
                        if server.should_exit:
                            raise RuntimeError(f"uvicorn failed to start on {host}:{bound_port}")
                        await anyio.sleep(0.005)
                yield Listening(host=host, port=bound_port, scheme="https" if tls.enabled else "http")
            finally:
                server.should_exit = True
    finally:
        sock.close()
