"""The deployment as it runs in a cluster: the launcher's topology plus Mongo, with fixed ports.

The process runner keeps Mongo embedded (mongomock in each server), so its topology has no Mongo service;
a cluster runs a real Mongo, which adds exactly two edges (weather → mongo, wallet → mongo). Every other
service and edge is the launcher's own :func:`~harness.topology.reference_topology` (``redis_socket=True``,
as ``mcp-harness up`` uses), so the NetworkPolicies and the netns firewall derive from the same edges.
Ports are fixed here because Services need them; nothing else in ``deploy/k8s`` names a port by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.topology import Edge, Service, Topology, reference_topology

NAMESPACE = "mcph"
APP_LABEL = "app.kubernetes.io/name"
PART_OF_LABEL = "app.kubernetes.io/part-of"
PART_OF = "mcp-harness"
IMAGE = "mcp-harness"
IMAGE_TAG = "0.1.0"
REDIS_IMAGE = "redis:7.4.2-alpine"
MONGO_IMAGE = "mongo:7.0.16"
TOXIPROXY_IMAGE = "ghcr.io/shopify/toxiproxy:2.12.0"
TOXIPROXY = "toxiproxy"
TOXIPROXY_API_PORT = 8474
TOXIPROXY_FIRST_LISTEN_PORT = 10000
MONGO = "mongo"
MONGO_PORT = 27017
MONGO_SOURCES = ("weather", "wallet")  # the servers with a Mongo store (weather cache, wallet ledger)
DNS_PORT = 53

PORTS: dict[str, int] = {
    "gateway": 8080,
    "client": 8081,
    "weather": 8000,
    "wallet": 8001,
    "knowledge": 8002,
    "weather-api": 8090,
    "redis": 6379,
    MONGO: MONGO_PORT,
}


def launcher_topology(*, proxied: bool = False) -> Topology:
    """What ``mcp-harness up`` launches (the netns runner's firewall comes from the same edges)."""
    return reference_topology(proxied=proxied, redis_socket=True)


def cluster_topology(*, proxied: bool = False) -> Topology:
    """The launcher's topology plus Mongo and its two edges, every service on its cluster port."""
    base = launcher_topology(proxied=proxied)
    services = [s.model_copy(update={"port": PORTS[s.name]}) for s in base.services]
    services.append(Service(name=MONGO, kind="backend", port=MONGO_PORT))
    edges = [*base.edges, *(Edge(source=s, target=MONGO, proxied=proxied) for s in MONGO_SOURCES)]
    return Topology(services=services, edges=edges)


OUTSIDE = "outside"  # a caller outside the namespace (the internet, another namespace)
KUBE_DNS = "kube-dns"  # the cluster's DNS (kube-system, label k8s-app=kube-dns)


@dataclass(frozen=True, order=True)
class Hop:
    """One allowed connection in the cluster: ``source`` to ``target``'s ``port`` over ``protocol``."""

    source: str
    target: str
    port: int
    protocol: str = "TCP"

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}:{self.port}/{self.protocol}"


def proxy_listen_ports(topology: Topology) -> dict[str, int]:
    """Each proxied edge's Toxiproxy listen port, in the topology's edge order."""
    return {
        edge.proxy_name: TOXIPROXY_FIRST_LISTEN_PORT + index
        for index, edge in enumerate(topology.proxied_edges())
    }


def allowed_hops(topology: Topology) -> set[Hop]:
    """The connections the topology allows: each edge (two hops through Toxiproxy when it is proxied),
    anyone outside to a public service, and every pod to the cluster's DNS."""
    listen = proxy_listen_ports(topology)
    hops: set[Hop] = {Hop(OUTSIDE, s.name, s.port) for s in topology.services if s.public}
    pods = [s.name for s in topology.services] + ([TOXIPROXY] if listen else [])
    hops |= {Hop(pod, KUBE_DNS, DNS_PORT, protocol) for pod in pods for protocol in ("UDP", "TCP")}
    for edge in topology.edges:
        port = topology.service(edge.target).port
        if edge.proxied:
            hops.add(Hop(edge.source, TOXIPROXY, listen[edge.proxy_name]))
            hops.add(Hop(TOXIPROXY, edge.target, port))
        else:
            hops.add(Hop(edge.source, edge.target, port))
    return hops


def dns_names(name: str) -> list[str]:
    """The names a Service answers to inside the cluster (what certificates and Host checks must allow)."""
    return [name, f"{name}.{NAMESPACE}", f"{name}.{NAMESPACE}.svc", f"{name}.{NAMESPACE}.svc.cluster.local"]
