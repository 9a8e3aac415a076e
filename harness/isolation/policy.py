"""Allowed ingress per service, from the topology's edges: the one source both firewalls are rendered from.

A service accepts connections on its port from the sources of the edges that end at it, and from anyone
when it is public (the gateway). Nothing else is allowed. This module knows nothing of namespaces,
nftables or Kubernetes; it says what must hold, and :func:`reachable` says which ordered pairs connect.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.topology import Topology

ANYONE = "*"


@dataclass(frozen=True)
class IngressRule:
    """``target`` accepts TCP on ``port`` from ``sources`` (service names), or from anyone when ``public``."""

    target: str
    port: int
    sources: frozenset[str]
    public: bool = False

    def admits(self, source: str) -> bool:
        return self.public or source in self.sources


def ingress_rules(topology: Topology, ports: dict[str, int]) -> list[IngressRule]:
    """One rule per service of the topology (``ports``: where each listens)."""
    return [
        IngressRule(
            target=service.name,
            port=ports[service.name],
            sources=frozenset(topology.allowed_peers(service.name)),
            public=service.public,
        )
        for service in topology.services
    ]


def reachable(rules: list[IngressRule], sources: list[str]) -> set[tuple[str, str]]:
    """Ordered pairs (source, target) that must connect; every other pair must not."""
    return {
        (source, rule.target)
        for rule in rules
        for source in sources
        if source != rule.target and rule.admits(source)
    }
