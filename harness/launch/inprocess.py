"""Launch a whole deployment in this process, on loopback sockets, from a :class:`~harness.topology.Topology`.

Each service gets a free port; each edge resolves to its target's address, or — when the edge is
proxied — to a fault proxy created for it in the embedded Toxiproxy-compatible collection, so every
connection the topology names really crosses a socket (and a proxy where asked). With ``mtls`` (the
default) the client→server edges and the gateway→client edge use mTLS, each edge with its own CA and
certificates generated for the run, so only the client reaches the servers and only the gateway reaches
the client. Every service's settings come from :class:`~harness.launch.wiring.Wiring`, as for the other
runners (the gateway's deadline is longer than the client's longest call deadline unless given).
Everything stops in reverse order on exit.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager, suppress
from pathlib import Path

import fakeredis
from starlette.types import ASGIApp

from chaos.api import running_proxy_api
from chaos.client import ToxiproxyClient, ToxiproxyError
from chaos.collection import ProxyCollection
from client.app import create_client_app
from client.gateway import create_gateway_app
from client.settings import ClientSettings, GatewaySettings
from client.tracing import Tracing
from harness.fakes.redis_server import RedisServerProcess, RedisServerUnavailable, free_port
from harness.fakes.weather_api import WeatherApi, create_weather_api
from harness.launch.agent_llm import with_simulated_llm
from harness.launch.certs import run_certificates
from harness.launch.containers import mongo_container, redis_container
from harness.launch.options import (
    GATEWAY_DEADLINE_MARGIN_S,
    BackendChoice,
    Deployment,
    Endpoints,
    LaunchOptions,
    RedisChoice,
    TlsPaths,
)
from harness.launch.wiring import Wiring
from harness.topology import Topology
from servers.common.asgi_serving import Listening, serve_asgi
from servers.common.runner import serve_http
from servers.common.settings import TlsSettings
from servers.registry import server_spec

__all__ = [  # the shared types, importable from here as before
    "GATEWAY_DEADLINE_MARGIN_S",
    "BackendChoice",
    "Deployment",
    "Endpoints",
    "LaunchOptions",
    "RedisChoice",
    "TlsPaths",
    "launch",
    "socket_redis",
]


@contextmanager
def socket_redis(choice: RedisChoice) -> Iterator[str]:
    """A Redis on a real loopback socket: Debian's redis-server, or fakeredis' TCP server."""
    if choice in ("auto", "real"):
        try:
            with RedisServerProcess() as process:
                yield f"127.0.0.1:{process.port}"
                return
        except RedisServerUnavailable:
            if choice == "real":
                raise
    port = free_port()
    server = fakeredis.TcpFakeServer(("127.0.0.1", port))
    thread = threading.Thread(target=server.serve_forever, name="fakeredis-tcp", daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def host_port(listening: Listening) -> str:
    host = f"[{listening.host}]" if ":" in listening.host else listening.host
    return f"{host}:{listening.port}"


class Launcher:
    """Starts services in dependency order; ``reach`` resolves an edge to the address to dial."""

    def __init__(self, options: LaunchOptions, stack: AsyncExitStack) -> None:
        self.options = options
        self.topology: Topology = options.topology
        self.stack = stack
        self.addresses: dict[str, str] = {}
        self.endpoints = Endpoints()
        self.wiring = Wiring(self.topology, options, dials={})  # dials filled as targets bind
        self.gateway_settings: GatewaySettings | None = None
        self.weather_api: WeatherApi | None = None
        self.toxiproxy: ToxiproxyClient | None = None
        self.client_settings: dict[str, ClientSettings] = {}  # client service name → its settings
        self._mongo_url: str | None = None

    @property
    def proxy_client(self) -> ToxiproxyClient:
        assert self.toxiproxy is not None, "start_proxy_api runs first"
        return self.toxiproxy

    async def reach(self, source: str, target: str) -> str:
        """The address ``source`` dials for ``target`` (a proxy of its own when the edge is proxied)."""
        edge = self.topology.edge(source, target)
        address = self.addresses[target]
        if edge.proxied:
            proxy = await self.proxy_client.create_proxy(
                edge.proxy_name, upstream=address, listen="127.0.0.1:0"
            )
            self.endpoints.proxies[edge.proxy_name] = proxy.listen
            self.stack.push_async_callback(self.forget_proxy, edge.proxy_name)
            address = str(proxy.listen)
        self.wiring.dials[(source, target)] = address
        return address

    async def reach_all(self, source: str) -> None:
        for edge in self.topology.edges_from(source):
            await self.reach(source, edge.target)

    async def forget_proxy(self, name: str) -> None:
        """Remove our proxy on exit (matters for a shared, real Toxiproxy)."""
        with suppress(ToxiproxyError):
            await self.proxy_client.delete_proxy(name)

    async def start_proxy_api(self) -> None:
        url = self.options.toxiproxy_url
        if url is None:
            collection = ProxyCollection(seed=self.options.proxy_seed)
            url = await self.stack.enter_async_context(running_proxy_api(collection))
        self.endpoints.proxy_api = url
        self.toxiproxy = await self.stack.enter_async_context(ToxiproxyClient(url))

    async def start(self) -> None:
        await self.start_proxy_api()
        if self.options.mtls and self.topology.has("client"):
            self.prepare_certs()
        for name in self.topology.start_order():
            kind = self.topology.service(name).kind
            if kind == "fake":
                await self.start_weather_api(name)
            elif kind == "backend":
                self.start_redis(name)
            elif kind == "server":
                await self.start_server(name)
            elif kind == "client":
                await self.start_client(name)
            elif kind == "gateway":
                await self.start_gateway(name)

    def prepare_certs(self) -> None:
        directory = self.options.cert_dir
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="mcp-harness-certs-"))
            self.stack.callback(shutil.rmtree, directory, True)
        certs, edge_certs = run_certificates(directory, [], gateway_edge=self.topology.has("gateway"))
        self.wiring.certs, self.wiring.gateway_edge_certs = certs, edge_certs
        self.endpoints.tls = certs.client_paths()
        self.endpoints.client_tls = edge_certs.client_paths() if edge_certs is not None else None

    async def serve(self, name: str, app: ASGIApp, tls: TlsSettings | None = None) -> Listening:
        service = self.topology.service(name)
        listening = await self.stack.enter_async_context(serve_asgi(app, service.host, service.port, tls=tls))
        self.addresses[name] = host_port(listening)
        return listening

    async def start_weather_api(self, name: str) -> None:
        self.weather_api = create_weather_api()
        listening = await self.serve(name, self.weather_api.app)
        self.endpoints.weather_api = listening.base_url

    def start_redis(self, name: str) -> None:
        if self.options.backends == "docker":
            url = self.stack.enter_context(redis_container())
            address = url.removeprefix("redis://").removesuffix("/0")
        else:
            address = self.stack.enter_context(socket_redis(self.options.redis))
        self.addresses[name] = address
        self.endpoints.redis = f"redis://{address}/0"

    async def start_server(self, name: str) -> None:
        service = self.topology.service(name)
        await self.reach_all(name)
        backends = {}
        if self.options.backends == "docker" and name in ("weather", "wallet"):
            backends["mongo"] = {"url": self.docker_mongo_url(), "database": f"mcp_harness_{name}"}
        settings = self.wiring.server_settings(name, service.host, service.port, backends)
        server = await self.stack.enter_async_context(server_spec(name).open(settings))
        tracer = Tracing.for_service(name).tracer
        listening = await self.stack.enter_async_context(serve_http(server, settings, tracer))
        self.addresses[name] = host_port(listening)
        self.endpoints.servers[name] = f"{listening.base_url}{settings.path}"

    def docker_mongo_url(self) -> str:
        if self._mongo_url is None:
            self._mongo_url = self.stack.enter_context(mongo_container())
        return self._mongo_url

    async def start_client(self, name: str) -> None:
        service = self.topology.service(name)
        await self.reach_all(name)
        overrides = await with_simulated_llm(self, self.options.client_overrides)  # the agent's model
        settings = self.wiring.client_settings(name, service.host, service.port, overrides)
        self.client_settings[name] = settings
        listening = await self.serve(name, create_client_app(settings), tls=self.wiring.client_serve_tls())
        self.endpoints.client = f"{listening.base_url}/mcp"

    async def start_gateway(self, name: str) -> None:
        service = self.topology.service(name)
        await self.reach_all(name)
        (edge,) = self.topology.edges_from(name)
        client = self.client_settings.get(edge.target)
        settings, key = self.wiring.gateway_settings(name, service.host, service.port, client)
        self.gateway_settings = settings
        listening = await self.serve(name, create_gateway_app(settings))
        self.endpoints.gateway = f"{listening.base_url}/mcp"
        self.endpoints.api_key = key


@asynccontextmanager
async def launch(options: LaunchOptions) -> AsyncIterator[Deployment]:
    """Start every service of ``options.topology``; yields once all accept connections."""
    async with AsyncExitStack() as stack:
        launcher = Launcher(options, stack)
        await launcher.start()
        yield Deployment(
            topology=options.topology,
            endpoints=launcher.endpoints,
            toxiproxy=launcher.proxy_client,
            weather_api=launcher.weather_api,
            addresses=dict(launcher.addresses),
            gateway_settings=launcher.gateway_settings,
        )
