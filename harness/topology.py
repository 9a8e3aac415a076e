"""The deployment as data: services, the edges between them, and which edges pass through a fault proxy.

Everything that needs to know "who talks to whom" — the launcher, the fault proxies, scenarios, the
Kubernetes manifests and the isolation checks — derives it from a :class:`Topology`, so no address or
port is hard-coded anywhere else. Port 0 means "any free port", resolved at launch.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

ServiceKind = Literal["gateway", "client", "server", "fake", "backend"]
SERVER_NAMES: tuple[str, ...] = ("weather", "wallet", "knowledge")
EdgeSetting = Literal["upstreams", "api_url", "redis_url", "client_url"]
# Which setting of the SOURCE an edge fills, by the kind of its target: every runner wires edges this way.
SETTING_FILLED_BY_TARGET: dict[ServiceKind, EdgeSetting] = {
    "server": "upstreams",  # the client's upstream list (one entry per server)
    "fake": "api_url",  # a server's third-party API (and its geocoding URL)
    "backend": "redis_url",  # a server's Redis
    "client": "client_url",  # the gateway's upstream
}


class Service(BaseModel):
    """One process-like unit of the deployment."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,40}$")
    kind: ServiceKind
    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)
    public: bool = Field(default=False, description="reachable from outside the deployment")
    cpu_limit_millicores: int | None = Field(
        default=None,
        ge=1,
        description="CPU limit in millicores (Kubernetes resources.limits.cpu); the process runner enforces "
        "it with a cgroup CFS quota",
    )


class Edge(BaseModel):
    """``source`` opens connections to ``target``; with ``proxied`` they go through proxy ``proxy_name``."""

    source: str
    target: str
    proxied: bool = False
    name: str | None = Field(default=None, description="proxy name; default '<source>-<target>'")

    @property
    def proxy_name(self) -> str:
        return self.name or f"{self.source}-{self.target}"


class Topology(BaseModel):
    services: list[Service]
    edges: list[Edge]

    @model_validator(mode="after")
    def _check(self) -> Topology:
        names = [s.name for s in self.services]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate service names in {names}")
        known = set(names)
        for edge in self.edges:
            for end in (edge.source, edge.target):
                if end not in known:
                    raise ValueError(f"edge {edge.source}->{edge.target} names unknown service {end!r}")
        proxy_names = [e.proxy_name for e in self.edges]
        if len(proxy_names) != len(set(proxy_names)):
            raise ValueError(f"duplicate edge/proxy names in {proxy_names}")
        self.start_order()  # raises on cycles
        return self

    def service(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(f"no service named {name!r}; known: {[s.name for s in self.services]}")

    def has(self, name: str) -> bool:
        return any(s.name == name for s in self.services)

    def edge(self, source: str, target: str) -> Edge:
        for edge in self.edges:
            if edge.source == source and edge.target == target:
                return edge
        raise KeyError(f"no edge {source}->{target}")

    def edge_named(self, proxy_name: str) -> Edge:
        for edge in self.edges:
            if edge.proxy_name == proxy_name:
                return edge
        raise KeyError(f"no edge named {proxy_name!r}; known: {[e.proxy_name for e in self.edges]}")

    def edges_from(self, source: str) -> list[Edge]:
        return [e for e in self.edges if e.source == source]

    def proxied_edges(self) -> list[Edge]:
        return [e for e in self.edges if e.proxied]

    def setting_filled(self, edge: Edge) -> EdgeSetting:
        """The source's setting this edge fills (raises for an edge no runner knows how to wire)."""
        kind = self.service(edge.target).kind
        if kind not in SETTING_FILLED_BY_TARGET:
            raise ValueError(f"edge {edge.source}->{edge.target}: nothing connects to a {kind}")
        return SETTING_FILLED_BY_TARGET[kind]

    def allowed_peers(self, target: str) -> set[str]:
        """Services allowed to connect to ``target`` (what NetworkPolicies and isolation checks enforce)."""
        return {e.source for e in self.edges if e.target == target}

    def start_order(self) -> list[str]:
        """Services with dependencies first (targets before their sources); raises on a cycle."""
        order: list[str] = []
        state: dict[str, str] = {}

        def visit(name: str, path: tuple[str, ...]) -> None:
            if state.get(name) == "done":
                return
            if state.get(name) == "visiting":
                raise ValueError(f"dependency cycle: {' -> '.join((*path, name))}")
            state[name] = "visiting"
            for edge in self.edges_from(name):
                visit(edge.target, (*path, name))
            state[name] = "done"
            order.append(name)

        for service in self.services:
            visit(service.name, ())
        return order


def reference_topology(
    *,
    proxied: bool | set[str] = False,
    with_client: bool = True,
    redis_socket: bool = False,
    cpu_limits: dict[str, int] | None = None,
) -> Topology:
    """The reference deployment of DESIGN.md §1.

    ``proxied`` puts every edge (True) or the named edges (a set of proxy names) behind fault proxies.
    ``redis_socket`` makes Redis a service on a real socket so the wallet→Redis edge can carry faults.
    ``cpu_limits`` gives services a CPU limit in millicores (service name → millicores).
    """
    services = [
        Service(name="weather", kind="server"),
        Service(name="wallet", kind="server"),
        Service(name="knowledge", kind="server"),
        Service(name="weather-api", kind="fake"),
    ]
    edges = [Edge(source="weather", target="weather-api", name="weather-api")]
    if redis_socket:
        services.append(Service(name="redis", kind="backend"))
        edges.append(Edge(source="wallet", target="redis"))
    if with_client:
        services += [
            Service(name="client", kind="client"),
            Service(name="gateway", kind="gateway", public=True),
        ]
        edges += [Edge(source="client", target=name) for name in SERVER_NAMES]
        edges.append(Edge(source="gateway", target="client"))
    else:
        for service in services:
            if service.kind == "server":
                service.public = True

    limits = cpu_limits or {}
    unknown_limits = set(limits) - {s.name for s in services}
    if unknown_limits:
        raise ValueError(f"CPU limits for unknown services {sorted(unknown_limits)}")
    for service in services:
        service.cpu_limit_millicores = limits.get(service.name)

    def wants_proxy(edge: Edge) -> bool:
        return proxied if isinstance(proxied, bool) else edge.proxy_name in proxied

    if isinstance(proxied, set):
        unknown = proxied - {e.proxy_name for e in edges}
        if unknown:
            raise ValueError(f"unknown edges {sorted(unknown)}; known: {sorted(e.proxy_name for e in edges)}")
    edges = [edge.model_copy(update={"proxied": wants_proxy(edge)}) for edge in edges]
    return Topology(services=services, edges=edges)
