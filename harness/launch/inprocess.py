"""Launch a whole deployment in this process, on loopback sockets, from a :class:`~harness.topology.Topology`.

Each service gets a free port; each edge resolves to its target's address, or — when the edge is
proxied — to a fault proxy created for it in the embedded Toxiproxy-compatible collection, so every
connection the topology names really crosses a socket (and a proxy where asked). With ``mtls`` (the
default) the client→server edges and the gateway→client edge use mTLS, each edge with its own CA and
certificates generated for the run, so only the client reaches the servers and only the gateway reaches
the client. The gateway's deadline is set longer than the client's longest call deadline unless given.
Everything stops in reverse order on exit.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from client.tracing import Tracing
from harness.launch.agent_llm import with_simulated_llm
from harness.topology import Edge, Topology
from servers.common.asgi_serving import Listening, serve_asgi
from servers.common.runner import serve_http
from servers.common.settings import TlsSettings

logger = logging.getLogger(__name__)
GATEWAY_DEADLINE_MARGIN_S = 2.0  # the gateway outwaits the client's longest deadline by this much
RedisChoice = Literal["auto", "real", "fake"]
BackendChoice = Literal["embedded", "docker"]


class TlsPaths(BaseModel):
    """The client's certificate material: outside tools reach the servers exactly as the client does."""

    ca: str
    cert: str
    key: str


class Endpoints(BaseModel):
    """What ``mcp-harness up`` prints and writes with ``--endpoints``."""

    gateway: str | None = None
    client: str | None = None
    servers: dict[str, str] = {}
    weather_api: str | None = None
    proxy_api: str | None = None
    api_key: str | None = None
    tls: TlsPaths | None = None
    client_tls: TlsPaths | None = None  # how the gateway reaches the client (None: plain HTTP)
    proxies: dict[str, str] = {}
    redis: str | None = None
    llm: str | None = None  # the simulated LLM's OpenAI base URL (the client's agent uses it)


@dataclass
class LaunchOptions:
    topology: Topology
    mtls: bool = True
    cert_dir: Path | None = None
    proxy_seed: int | None = 7
    toxiproxy_url: str | None = None  # a real Toxiproxy instead of the embedded one
    redis: RedisChoice = "auto"
    backends: BackendChoice = "embedded"  # docker: real Mongo and Redis in containers (testcontainers)
    server_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    client_overrides: dict[str, Any] = field(default_factory=dict)
    upstream_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    gateway_overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class Deployment:
    """A running deployment: its endpoints and handles to inject faults."""

    topology: Topology
    endpoints: Endpoints
    toxiproxy: Any  # chaos.client.ToxiproxyClient: the same calls drive the embedded proxy or a real one
    weather_api: Any | None = None  # harness.fakes.weather_api.WeatherApi
    addresses: dict[str, str] = field(default_factory=dict)
    gateway_settings: Any | None = None  # client.settings.GatewaySettings, as the launcher built them


@contextmanager
def socket_redis(choice: RedisChoice) -> Iterator[str]:
    """A Redis on a real loopback socket: Debian's redis-server, or fakeredis' TCP server."""
    from harness.fakes.redis_server import RedisServerProcess, RedisServerUnavailable, free_port

    if choice in ("auto", "real"):
        try:
            with RedisServerProcess() as process:
                yield f"127.0.0.1:{process.port}"
                return
        except RedisServerUnavailable:
            if choice == "real":
                raise
    import fakeredis

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
        self.topology = options.topology
        self.stack = stack
        self.addresses: dict[str, str] = {}
        self.endpoints = Endpoints()
        self.server_tls = TlsSettings()
        self.client_app_tls = TlsSettings()  # the client app's listener (gateway→client edge)
        self.gateway_settings: Any | None = None
        self.weather_api: Any | None = None
        self.toxiproxy: Any = None
        self.client_settings: dict[str, Any] = {}  # client service name → its ClientSettings
        self._mongo_url: str | None = None

    async def reach(self, source: str, target: str) -> str:
        edge: Edge = self.topology.edge(source, target)
        address = self.addresses[target]
        if not edge.proxied:
            return address
        proxy = await self.toxiproxy.create_proxy(edge.proxy_name, upstream=address, listen="127.0.0.1:0")
        self.endpoints.proxies[edge.proxy_name] = proxy.listen
        self.stack.push_async_callback(self.forget_proxy, edge.proxy_name)
        return str(proxy.listen)

    async def forget_proxy(self, name: str) -> None:
        """Remove our proxy on exit (matters for a shared, real Toxiproxy)."""
        from chaos.client import ToxiproxyError

        with suppress(ToxiproxyError):
            await self.toxiproxy.delete_proxy(name)

    async def start_proxy_api(self) -> None:
        from chaos.api import running_proxy_api
        from chaos.client import ToxiproxyClient
        from chaos.collection import ProxyCollection

        url = self.options.toxiproxy_url
        if url is None:
            collection = ProxyCollection(seed=self.options.proxy_seed)
            url = await self.stack.enter_async_context(running_proxy_api(collection))
        self.endpoints.proxy_api = url
        self.toxiproxy = await self.stack.enter_async_context(ToxiproxyClient(url))

    async def start(self) -> None:
        await self.start_proxy_api()
        if self.options.mtls and any(self.topology.has(n) for n in ("client",)):
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
        from harness.commands.certs import generate_certs

        directory = self.options.cert_dir
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="mcp-harness-certs-"))
            self.stack.callback(shutil.rmtree, directory, True)
        generate_certs(directory, [], force=True)
        self.server_tls = TlsSettings(
            cert_file=str(directory / "server.pem"),
            key_file=str(directory / "server-key.pem"),
            ca_file=str(directory / "ca.pem"),
        )
        self.endpoints.tls = TlsPaths(
            ca=str(directory / "ca.pem"),
            cert=str(directory / "client.pem"),
            key=str(directory / "client-key.pem"),
        )
        if self.topology.has("gateway"):
            edge = directory / "gateway-edge"
            generate_certs(
                edge, [], force=True, server_name="mcp-harness client app", client_name="mcp-harness gateway"
            )
            self.client_app_tls = TlsSettings(
                cert_file=str(edge / "server.pem"),
                key_file=str(edge / "server-key.pem"),
                ca_file=str(edge / "ca.pem"),
            )
            self.endpoints.client_tls = TlsPaths(
                ca=str(edge / "ca.pem"), cert=str(edge / "client.pem"), key=str(edge / "client-key.pem")
            )

    async def serve(self, name: str, app: Any, tls: TlsSettings | None = None) -> Listening:
        service = self.topology.service(name)
        listening = await self.stack.enter_async_context(serve_asgi(app, service.host, service.port, tls=tls))
        self.addresses[name] = host_port(listening)
        return listening

    async def start_weather_api(self, name: str) -> None:
        from harness.fakes.weather_api import create_weather_api

        self.weather_api = create_weather_api()
        listening = await self.serve(name, self.weather_api.app)
        self.endpoints.weather_api = listening.base_url

    def start_redis(self, name: str) -> None:
        if self.options.backends == "docker":
            from harness.launch.containers import redis_container

            url = self.stack.enter_context(redis_container())
            address = url.removeprefix("redis://").removesuffix("/0")
        else:
            address = self.stack.enter_context(socket_redis(self.options.redis))
        self.addresses[name] = address
        self.endpoints.redis = f"redis://{address}/0"

    async def start_server(self, name: str) -> None:
        from servers.registry import server_spec

        spec = server_spec(name)
        overrides: dict[str, Any] = {"host": self.topology.service(name).host, "port": 0}
        if self.topology.has("client") and self.options.mtls:
            overrides["tls"] = self.server_tls
        for edge in self.topology.edges_from(name):
            target = self.topology.service(edge.target)
            address = await self.reach(name, edge.target)
            if target.kind == "fake":
                overrides["api_url"] = f"http://{address}"
                overrides["geocoding_url"] = f"http://{address}"
            elif target.kind == "backend":
                overrides["redis"] = {"url": f"redis://{address}/0"}
        if self.options.backends == "docker" and name in ("weather", "wallet"):
            overrides["mongo"] = {"url": self.docker_mongo_url(), "database": f"mcp_harness_{name}"}
        overrides.update(self.options.server_overrides.get(name, {}))
        settings = spec.settings_type(**overrides)
        server = await self.stack.enter_async_context(spec.open(settings))
        tracer = Tracing.for_service(name).tracer
        listening = await self.stack.enter_async_context(serve_http(server, settings, tracer))
        self.addresses[name] = host_port(listening)
        self.endpoints.servers[name] = f"{listening.base_url}{settings.path}"

    def docker_mongo_url(self) -> str:
        if self._mongo_url is None:
            from harness.launch.containers import mongo_container

            self._mongo_url = self.stack.enter_context(mongo_container())
        return self._mongo_url

    async def start_client(self, name: str) -> None:
        from client.app import create_client_app
        from client.settings import ClientSettings, UpstreamSettings, UpstreamTls

        upstreams = []
        for edge in self.topology.edges_from(name):
            address = await self.reach(name, edge.target)
            scheme = "https" if self.server_tls.enabled else "http"
            tls = UpstreamTls()
            if self.endpoints.tls is not None and self.server_tls.enabled:
                tls = UpstreamTls(
                    ca_file=self.endpoints.tls.ca,
                    cert_file=self.endpoints.tls.cert,
                    key_file=self.endpoints.tls.key,
                )
            fields: dict[str, Any] = {"name": edge.target, "url": f"{scheme}://{address}/mcp", "tls": tls}
            fields.update(self.options.upstream_overrides.get(edge.target, {}))
            upstreams.append(UpstreamSettings(**fields))
        overrides = await with_simulated_llm(self, self.options.client_overrides)  # the agent's model
        settings = ClientSettings(upstreams=upstreams, **overrides)
        self.client_settings[name] = settings
        listening_tls = self.client_app_tls if self.client_app_tls.enabled else None
        listening = await self.serve(name, create_client_app(settings), tls=listening_tls)
        self.endpoints.client = f"{listening.base_url}/mcp"

    async def start_gateway(self, name: str) -> None:
        from client.auth import mint_dev_api_key
        from client.gateway import create_gateway_app
        from client.settings import GatewaySettings, UpstreamTls

        key, entry = mint_dev_api_key("dev")
        (edge,) = self.topology.edges_from(name)
        address = await self.reach(name, edge.target)
        fields: dict[str, Any] = {"client_url": f"http://{address}", "api_keys": [entry]}
        tls = self.endpoints.client_tls
        if tls is not None and self.client_app_tls.enabled:
            fields["client_url"] = f"https://{address}"
            fields["client_tls"] = UpstreamTls(ca_file=tls.ca, cert_file=tls.cert, key_file=tls.key)
        client = self.client_settings.get(edge.target)
        if client is not None:  # the client answers every call by its deadline: outwait that, no longer
            fields["upstream_timeout_s"] = client.longest_deadline_s() + GATEWAY_DEADLINE_MARGIN_S
        fields.update(self.options.gateway_overrides)
        settings = GatewaySettings(**fields)
        self.gateway_settings = settings
        if client is not None and settings.upstream_timeout_s < client.longest_deadline_s():
            logger.warning(
                "gateway upstream_timeout_s (%g s) is shorter than the client's longest call deadline "
                "(%g s): the gateway may answer 504 while a call still completes upstream",
                settings.upstream_timeout_s,
                client.longest_deadline_s(),
            )
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
            toxiproxy=launcher.toxiproxy,
            weather_api=launcher.weather_api,
            addresses=dict(launcher.addresses),
            gateway_settings=launcher.gateway_settings,
        )
