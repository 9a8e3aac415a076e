"""One way to run any of our servers: stdio, or Streamable HTTP serving both protocol versions.

A server package exposes a :class:`ServerSpec`: its name, its settings model, and ``open`` — an async
context manager that connects the backends and yields a ready ``MCPServer``. The CLI, the launcher
and the tests all go through here, so every path runs the same code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from opentelemetry.trace import Tracer
from starlette.types import ASGIApp

from servers.common.asgi_serving import Listening, serve_asgi
from servers.common.settings import ServerSettings, Transport
from servers.common.tracing import traced

SettingsT = TypeVar("SettingsT", bound=ServerSettings)


@dataclass(frozen=True)
class ServerSpec(Generic[SettingsT]):
    """How to build one server: ``open(settings)`` yields it with its backends connected."""

    name: str
    settings_type: type[SettingsT]
    open: Callable[[SettingsT], AbstractAsyncContextManager[MCPServer]]

    def load_settings(self, **overrides: Any) -> SettingsT:
        return self.settings_type(**overrides)


def transport_security(settings: ServerSettings) -> TransportSecuritySettings:
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(settings.allowed_hosts),
        allowed_origins=list(settings.allowed_origins),
    )


def build_http_app(server: MCPServer, settings: ServerSettings, tracer: Tracer | None = None) -> ASGIApp:
    """Streamable HTTP on ``settings.path``: 2026-07-28 (stateless) and 2025-11-25 (sessions), JSON bodies;
    one span per call when a ``tracer`` is given (:mod:`servers.common.tracing`)."""
    app = server.streamable_http_app(
        streamable_http_path=settings.path,
        json_response=True,
        stateless_http=False,
        max_request_body_size=settings.max_request_bytes,
        transport_security=transport_security(settings),
        host=settings.host,
    )
    return traced(app, tracer, server.name)


@asynccontextmanager
async def serve_http(
    server: MCPServer, settings: ServerSettings, tracer: Tracer | None = None
) -> AsyncIterator[Listening]:
    """Serve ``server`` over HTTP(S) until the block exits; yields where it listens."""
    app = build_http_app(server, settings, tracer)
    async with serve_asgi(
        app, settings.host, settings.port, tls=settings.tls, log_level=settings.log_level.lower()
    ) as listening:
        yield listening


async def run_server(
    spec: ServerSpec[SettingsT],
    settings: SettingsT,
    transport: Transport,
    on_listening: Callable[[Listening], None] | None = None,
) -> None:
    """Run until cancelled (HTTP) or until stdin closes (stdio)."""
    import anyio

    async with spec.open(settings) as server:
        if transport == "stdio":
            await server.run_stdio_async()
            return
        async with serve_http(server, settings) as listening:
            if on_listening is not None:
                on_listening(listening)
            await anyio.sleep_forever()
