"""What the official conformance suite is run against: the reference HTTP servers and the gateway.

Each target is an async context manager yielding the ``/mcp`` URL to hand to the suite; all of them
listen on 127.0.0.1 only and use the embedded backends (fake weather API, fakeredis, mongomock,
the hashing embedder), so a run needs no network and no service outside this process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from harness.launch.inprocess import LaunchOptions, launch
from harness.topology import reference_topology
from servers.common.asgi_serving import serve_asgi
from servers.common.runner import serve_http
from servers.registry import server_spec
from tests.conformance.bearer_forwarder import create_bearer_forwarder

REFERENCE_SERVERS = ("weather", "wallet", "knowledge")


@asynccontextmanager
async def serve_reference_server(name: str) -> AsyncIterator[str]:
    """One reference server over plain HTTP (no TLS), backends embedded."""
    spec = server_spec(name)
    settings = spec.load_settings(host="127.0.0.1", port=0)
    async with spec.open(settings) as server, serve_http(server, settings) as listening:
        yield f"{listening.base_url}{settings.path}"


@asynccontextmanager
async def serve_gateway() -> AsyncIterator[str]:
    """The whole reference deployment (servers over mTLS → client → gateway), reached through the
    bearer forwarder, because the suite cannot send the gateway's API key itself."""
    options = LaunchOptions(
        topology=reference_topology(proxied=False),
        mtls=True,
        # A run sends about 120 requests in 3 s, under the default 600/minute; the headroom keeps a 429
        # from ever passing for a conformance failure when a later suite version adds scenarios.
        gateway_overrides={"rate_limit": "100000/minute"},
    )
    async with launch(options) as deployment:
        gateway, key = deployment.endpoints.gateway, deployment.endpoints.api_key
        assert gateway is not None and key is not None
        base_url = gateway.removesuffix("/mcp")
        async with serve_asgi(create_bearer_forwarder(base_url, key), "127.0.0.1", 0) as listening:
            yield f"{listening.base_url}/mcp"


def target(name: str) -> Callable[[], AbstractAsyncContextManager[str]]:
    """The server (or gateway) called ``name``, ready to be entered."""
    if name == "gateway":
        return serve_gateway
    if name in REFERENCE_SERVERS:
        return lambda: serve_reference_server(name)
    raise KeyError(f"unknown conformance target {name!r}")
