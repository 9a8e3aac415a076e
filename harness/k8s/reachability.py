"""Which connections a set of NetworkPolicies allows, evaluated the way Kubernetes does, offline.

Peers: every pod of the rendered Deployments (by their template labels), a ``stranger`` (a new pod in the
namespace with labels no policy names: what anything deployed later gets), ``outside`` (another namespace
or the internet) and ``kube-dns`` (kube-system, ``k8s-app=kube-dns``). A connection source → target:port
is allowed when the source's egress allows it (or no Egress policy selects the source) and the target's
ingress allows it (or no Ingress policy selects the target); peers outside the namespace are not
isolated by our policies, so only their other side counts. ``ipBlock`` peers are taken to match
everything (they may cover pod addresses), which can only over-state what is allowed, never hide it.
Ports: each target's declared ports, plus one port nobody declares (a rule without ports admits it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.k8s.cluster import DNS_PORT, KUBE_DNS, OUTSIDE, Hop

Manifest = dict[str, Any]
STRANGER = "stranger"
UNDECLARED_PORT = 65000  # a port no pod declares: stands for "any other port"


@dataclass(frozen=True)
class Peer:
    name: str
    namespace: str  # "" = our namespace
    labels: dict[str, str]
    ports: tuple[tuple[int, str], ...]  # (port, protocol) it listens on
    port_names: dict[str, int] = field(default_factory=dict)

    @property
    def in_namespace(self) -> bool:
        return self.namespace == ""


def peers_of(objects: list[Manifest], app_label: str) -> list[Peer]:
    peers = []
    for obj in objects:
        if obj["kind"] != "Deployment":
            continue
        template = obj["spec"]["template"]
        pod_labels = dict(template["metadata"].get("labels", {}))
        ports: list[tuple[int, str]] = []
        names: dict[str, int] = {}
        for container in template["spec"].get("containers", []):
            for port in container.get("ports", []):
                ports.append((int(port["containerPort"]), port.get("protocol", "TCP")))
                if "name" in port:
                    names[port["name"]] = int(port["containerPort"])
        peers.append(
            Peer(pod_labels.get(app_label, obj["metadata"]["name"]), "", pod_labels, tuple(ports), names)
        )
    peers.append(Peer(STRANGER, "", {app_label: STRANGER}, ((8080, "TCP"),)))
    peers.append(Peer(OUTSIDE, "elsewhere", {}, ((443, "TCP"),)))
    peers.append(
        Peer(KUBE_DNS, "kube-system", {"k8s-app": "kube-dns"}, ((DNS_PORT, "UDP"), (DNS_PORT, "TCP")))
    )
    return peers


def selects(selector: Manifest | None, labels: dict[str, str]) -> bool:
    """A label selector (``{}`` selects everything)."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _namespace_labels(peer: Peer, namespace: str) -> dict[str, str]:
    name = peer.namespace or namespace
    return {"kubernetes.io/metadata.name": name}


def peer_matches(rule_peer: Manifest, peer: Peer, namespace: str) -> bool:
    """One entry of a rule's ``from``/``to``."""
    if "ipBlock" in rule_peer:
        return True
    if "namespaceSelector" in rule_peer:
        if not selects(rule_peer["namespaceSelector"], _namespace_labels(peer, namespace)):
            return False
        return selects(rule_peer.get("podSelector"), peer.labels)
    if "podSelector" in rule_peer:
        return peer.in_namespace and selects(rule_peer["podSelector"], peer.labels)
    return False


def port_matches(rule_ports: list[Manifest] | None, port: int, protocol: str, target: Peer) -> bool:
    if not rule_ports:
        return True
    for entry in rule_ports:
        if entry.get("protocol", "TCP") != protocol:
            continue
        if "port" not in entry:
            return True
        wanted = entry["port"]
        number = target.port_names.get(wanted) if isinstance(wanted, str) else int(wanted)
        if number is None:
            continue
        if number <= port <= int(entry.get("endPort", number)):
            return True
    return False


@dataclass
class Verdict:
    allowed: bool
    because: list[str]  # the policies that allowed it on a side, or "unisolated ..." for a side with none


def _side(
    policies: list[Manifest],
    kind: str,
    subject: Peer,
    other: Peer,
    port: int,
    protocol: str,
    target: Peer,
    namespace: str,
) -> Verdict:
    """Does ``subject``'s Ingress (other = source) or Egress (other = target) side allow this connection?"""
    if not subject.in_namespace:
        return Verdict(True, [])
    field_name, peers_key = ("ingress", "from") if kind == "Ingress" else ("egress", "to")
    selecting = [
        p
        for p in policies
        if kind in p["spec"].get("policyTypes", ["Ingress"])
        and selects(p["spec"].get("podSelector"), subject.labels)
    ]
    if not selecting:
        return Verdict(True, [f"no {kind} policy selects {subject.name}"])
    allowing = []
    for policy in selecting:
        for rule in policy["spec"].get(field_name) or []:
            rule_peers = rule.get(peers_key)
            peer_ok = rule_peers is None or any(peer_matches(rp, other, namespace) for rp in rule_peers)
            if peer_ok and port_matches(rule.get("ports"), port, protocol, target):
                allowing.append(f"NetworkPolicy/{policy['metadata']['name']}")
                break
    return Verdict(bool(allowing), allowing)


@dataclass
class Matrix:
    """What the policies allow: whole connections, and each side on its own (in-namespace pods only),
    every entry with the policies that allowed it."""

    connections: dict[Hop, list[str]] = field(default_factory=dict)
    ingress: dict[Hop, list[str]] = field(default_factory=dict)
    egress: dict[Hop, list[str]] = field(default_factory=dict)


def reachability(objects: list[Manifest], app_label: str, namespace: str) -> Matrix:
    """Every ordered pair of peers, on each of the target's ports and one undeclared port."""
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    peers = peers_of(objects, app_label)
    matrix = Matrix()
    for source in peers:
        for target in peers:
            if source.name == target.name or (not source.in_namespace and not target.in_namespace):
                continue
            candidates = {*target.ports, (UNDECLARED_PORT, "TCP")}
            for port, protocol in sorted(candidates):
                hop = Hop(source.name, target.name, port, protocol)
                out = _side(policies, "Egress", source, target, port, protocol, target, namespace)
                into = _side(policies, "Ingress", target, source, port, protocol, target, namespace)
                if source.in_namespace and out.allowed:
                    matrix.egress[hop] = out.because
                if target.in_namespace and into.allowed:
                    matrix.ingress[hop] = into.because
                if out.allowed and into.allowed:
                    matrix.connections[hop] = [*out.because, *into.because]
    return matrix


def in_namespace_peers(objects: list[Manifest], app_label: str) -> set[str]:
    return {p.name for p in peers_of(objects, app_label) if p.in_namespace}


def denial(objects: list[Manifest], hop: Hop, app_label: str, namespace: str) -> str:
    """Which side refuses ``hop`` and the policies selecting that side (for a finding's message)."""
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    peers = {p.name: p for p in peers_of(objects, app_label)}
    source, target = peers.get(hop.source), peers.get(hop.target)
    if source is None or target is None:
        return f"no pod for {hop.source if source is None else hop.target}"
    sides = []
    out = _side(policies, "Egress", source, target, hop.port, hop.protocol, target, namespace)
    if not out.allowed:
        sides.append(f"egress of {source.name}")
    into = _side(policies, "Ingress", target, source, hop.port, hop.protocol, target, namespace)
    if not into.allowed:
        sides.append(f"ingress of {target.name}")
    return " and ".join(sides) or "allowed"
