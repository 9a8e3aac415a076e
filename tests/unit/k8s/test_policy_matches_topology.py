"""The rendered NetworkPolicies imply exactly the topology's edges, and agree with the netns firewall's
rules (harness.isolation.policy) on who may connect to whom."""

from __future__ import annotations

from typing import Any

from harness.isolation.policy import ingress_rules, reachable
from harness.k8s.checks import expected_hops
from harness.k8s.cluster import (
    APP_LABEL,
    KUBE_DNS,
    MONGO,
    NAMESPACE,
    OUTSIDE,
    PORTS,
    TOXIPROXY,
    Hop,
    cluster_topology,
    launcher_topology,
)
from harness.k8s.reachability import reachability

Objects = list[dict[str, Any]]


def test_the_dev_overlay_allows_exactly_the_topologys_connections(
    rendered_overlays: dict[str, Objects],
) -> None:
    allowed = set(reachability(rendered_overlays["dev"], APP_LABEL, NAMESPACE).connections)
    assert allowed == expected_hops(cluster_topology())
    # What that means, spelled out for the reference deployment:
    assert Hop(OUTSIDE, "gateway", 8080) in allowed
    assert Hop("gateway", "client", 8081) in allowed
    assert {Hop("client", s, PORTS[s]) for s in ("weather", "wallet", "knowledge")} <= allowed
    assert Hop(OUTSIDE, "client", 8081) not in allowed  # only the gateway is exposed
    assert Hop("gateway", "weather", 8000) not in allowed  # only the client reaches the servers
    assert Hop("weather", "wallet", 8001) not in allowed
    assert Hop("weather", OUTSIDE, 443) not in allowed  # no egress to the internet
    assert Hop("wallet", KUBE_DNS, 53, "UDP") in allowed


def test_pod_to_pod_connections_agree_with_the_netns_firewall(rendered_overlays: dict[str, Objects]) -> None:
    launcher = launcher_topology()
    names = [s.name for s in launcher.services]
    ports = {name: PORTS[name] for name in names}
    netns = reachable(ingress_rules(launcher, ports), names)
    public = {s.name for s in launcher.services if s.public}
    allowed = reachability(rendered_overlays["dev"], APP_LABEL, NAMESPACE).connections
    in_cluster = {(h.source, h.target) for h in allowed if h.source in names and h.target in names}
    # The firewall admits anyone to a public service; the cluster's egress policies narrow that to
    # callers outside, so pod-to-pod the two agree on every private service.
    assert in_cluster == {pair for pair in netns if pair[1] not in public}
    assert {(e.source, e.target) for e in launcher.edges} == in_cluster


def test_the_cluster_adds_only_mongo_and_its_two_edges_to_the_launchers_topology() -> None:
    launcher, cluster = launcher_topology(), cluster_topology()
    launcher_edges = {(e.source, e.target) for e in launcher.edges}
    cluster_edges = {(e.source, e.target) for e in cluster.edges}
    assert cluster_edges - launcher_edges == {("weather", MONGO), ("wallet", MONGO)}
    assert launcher_edges <= cluster_edges
    assert {s.name for s in cluster.services} - {s.name for s in launcher.services} == {MONGO}


def test_the_toxiproxy_overlay_routes_every_edge_through_toxiproxy(
    rendered_overlays: dict[str, Objects],
) -> None:
    allowed = set(reachability(rendered_overlays["toxiproxy"], APP_LABEL, NAMESPACE).connections)
    assert allowed == expected_hops(cluster_topology(proxied=True))
    direct = [(h.source, h.target) for h in allowed if h.source not in (OUTSIDE, KUBE_DNS, TOXIPROXY)]
    assert all(target in (TOXIPROXY, KUBE_DNS) for _, target in direct)
    assert Hop(TOXIPROXY, "weather", 8000) in allowed
    assert Hop("client", "weather", 8000) not in allowed
