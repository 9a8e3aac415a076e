"""NetworkPolicies from the topology's allowed hops: default deny both ways, DNS, then exactly the edges.

One ``ingress-<target>`` policy per pod that accepts connections (from the pods of its edges' sources, or
from anywhere when the service is public) and one ``egress-<source>`` policy per pod that opens them.
A connection needs both, so a widened rule on one side alone is still visible to the reachability check
(:mod:`harness.k8s.reachability`), which evaluates both sides.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from harness.k8s.cluster import APP_LABEL, DNS_PORT, KUBE_DNS, OUTSIDE, Hop
from harness.k8s.workloads import labels

Manifest = dict[str, Any]
DEFAULT_DENY = "default-deny"
ALLOW_DNS = "allow-dns"
DNS_PEER: Manifest = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}


def _policy(name: str, pod_selector: Manifest, types: list[str], **rules: Any) -> Manifest:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": labels("network-policy")},
        "spec": {"podSelector": pod_selector, "policyTypes": types, **rules},
    }


def _pod(name: str) -> Manifest:
    return {"podSelector": {"matchLabels": {APP_LABEL: name}}}


def _ports(ports: set[int]) -> list[Manifest]:
    return [{"protocol": "TCP", "port": port} for port in sorted(ports)]


def network_policies(hops: set[Hop]) -> list[Manifest]:
    """Default deny, DNS egress for every pod, and one ingress and one egress policy per pod that needs it."""
    policies = [
        _policy(DEFAULT_DENY, {}, ["Ingress", "Egress"]),
        _policy(
            ALLOW_DNS,
            {},
            ["Egress"],
            egress=[
                {
                    "to": [DNS_PEER],
                    "ports": [{"protocol": p, "port": DNS_PORT} for p in ("UDP", "TCP")],
                }
            ],
        ),
    ]
    app_hops = [h for h in hops if h.target != KUBE_DNS]
    into: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    out_of: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for hop in app_hops:
        into[hop.target][hop.source].add(hop.port)
        if hop.source != OUTSIDE:
            out_of[hop.source][hop.target].add(hop.port)
    for target in sorted(into):
        rules: list[Manifest] = []
        for source, ports in sorted(into[target].items()):
            if source == OUTSIDE:  # public: from anywhere, on its port
                rules.append({"ports": _ports(ports)})
            else:
                rules.append({"from": [_pod(source)], "ports": _ports(ports)})
        policies.append(_policy(f"ingress-{target}", _pod(target)["podSelector"], ["Ingress"], ingress=rules))
    for source in sorted(out_of):
        rules = [{"to": [_pod(t)], "ports": _ports(p)} for t, p in sorted(out_of[source].items())]
        policies.append(_policy(f"egress-{source}", _pod(source)["podSelector"], ["Egress"], egress=rules))
    return policies
