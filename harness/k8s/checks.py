"""Offline checks of rendered manifests: schemas, pod security, exposure, default deny, reachability.

Each check returns :class:`Finding` s that name the object (``Kind/name``) and the field or connection at
fault; no finding means the manifests hold. Schemas are kubernetes-validate's, bundled in its wheel for
each Kubernetes minor version (no download), pinned by :data:`KUBERNETES_VERSION`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from harness.k8s.cluster import (
    APP_LABEL,
    DNS_PORT,
    KUBE_DNS,
    NAMESPACE,
    OUTSIDE,
    TOXIPROXY,
    Hop,
    allowed_hops,
)
from harness.k8s.reachability import STRANGER, denial, reachability
from harness.k8s.schemas import SchemaUnavailable, validator
from harness.topology import Topology

KUBERNETES_VERSION = "1.32.0"  # what kind v0.27's default node image runs; kubectl here is 1.32 too
Manifest = dict[str, Any]
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


@dataclass(frozen=True, order=True)
class Finding:
    subject: str  # Kind/name, or the connection
    problem: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.problem}"


def ref(obj: Manifest) -> str:
    return f"{obj['kind']}/{obj.get('metadata', {}).get('name', '?')}"


def schema_findings(objects: list[Manifest], version: str = KUBERNETES_VERSION) -> list[Finding]:
    """Each object against its strict schema (unknown fields are errors too)."""
    findings = []
    for obj in objects:
        try:
            check = validator(version, str(obj.get("apiVersion")), str(obj.get("kind")))
        except SchemaUnavailable as exc:
            findings.append(Finding(ref(obj), str(exc)))
            continue
        for error in sorted(check.iter_errors(obj), key=lambda e: list(map(str, e.path))):
            path = ".".join(str(p) for p in error.path)
            findings.append(Finding(ref(obj), f"schema (Kubernetes {version}): {path}: {error.message}"))
    return findings


def _pod_spec(obj: Manifest) -> Manifest | None:
    if obj["kind"] == "Pod":
        return obj.get("spec", {})
    if obj["kind"] in POD_TEMPLATE_KINDS:
        return obj.get("spec", {}).get("template", {}).get("spec", {})
    return None


def security_findings(objects: list[Manifest]) -> list[Finding]:
    """Every container: non-root, read-only root, no escalation, ALL capabilities dropped, limits, probes."""
    findings = []
    for obj in objects:
        pod = _pod_spec(obj)
        if pod is None:
            continue
        pod_ctx = pod.get("securityContext") or {}
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.get(flag):
                findings.append(Finding(ref(obj), f"spec.{flag} is true"))
        for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
            where = f"container {container.get('name')}"
            ctx = container.get("securityContext") or {}
            non_root = ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot"))
            user = ctx.get("runAsUser", pod_ctx.get("runAsUser"))
            if non_root is not True:
                findings.append(Finding(ref(obj), f"{where}: securityContext.runAsNonRoot is not true"))
            if user == 0:
                findings.append(Finding(ref(obj), f"{where}: securityContext.runAsUser is 0 (root)"))
            if ctx.get("readOnlyRootFilesystem") is not True:
                findings.append(
                    Finding(ref(obj), f"{where}: securityContext.readOnlyRootFilesystem is not true")
                )
            if ctx.get("allowPrivilegeEscalation") is not False:
                findings.append(
                    Finding(ref(obj), f"{where}: securityContext.allowPrivilegeEscalation is not false")
                )
            if ctx.get("privileged"):
                findings.append(Finding(ref(obj), f"{where}: securityContext.privileged is true"))
            caps = ctx.get("capabilities") or {}
            if "ALL" not in (caps.get("drop") or []):
                findings.append(Finding(ref(obj), f"{where}: securityContext.capabilities.drop lacks ALL"))
            if caps.get("add"):
                findings.append(Finding(ref(obj), f"{where}: securityContext.capabilities.add {caps['add']}"))
            limits = (container.get("resources") or {}).get("limits") or {}
            requests = (container.get("resources") or {}).get("requests") or {}
            for kind in ("cpu", "memory"):
                if kind not in limits or kind not in requests:
                    findings.append(Finding(ref(obj), f"{where}: resources.requests/limits.{kind} missing"))
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in container:
                    findings.append(Finding(ref(obj), f"{where}: no {probe}"))
            if any(p.get("hostPort") for p in container.get("ports", [])):
                findings.append(Finding(ref(obj), f"{where}: ports[].hostPort set"))
            image = str(container.get("image", ""))
            if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
                findings.append(Finding(ref(obj), f"{where}: image {image!r} is not pinned to a tag"))
    return findings


def exposure_findings(objects: list[Manifest], topology: Topology) -> list[Finding]:
    """Only public services may be reachable from outside the cluster (NodePort, LoadBalancer, Ingress)."""
    public = {s.name for s in topology.services if s.public}
    findings = []
    for obj in objects:
        name = obj.get("metadata", {}).get("name", "")
        if obj["kind"] == "Service":
            kind = obj.get("spec", {}).get("type", "ClusterIP")
            if kind != "ClusterIP" and name not in public:
                findings.append(
                    Finding(ref(obj), f"spec.type is {kind}: only {sorted(public)} may be exposed")
                )
            if obj.get("spec", {}).get("externalIPs"):
                findings.append(Finding(ref(obj), "spec.externalIPs set"))
        if obj["kind"] == "Ingress":
            backends = {
                p.get("backend", {}).get("service", {}).get("name")
                for rule in obj.get("spec", {}).get("rules", [])
                for p in rule.get("http", {}).get("paths", [])
            }
            for backend in sorted(str(b) for b in backends if b not in public):
                findings.append(Finding(ref(obj), f"routes outside traffic to private Service {backend}"))
    return findings


def default_deny_findings(objects: list[Manifest]) -> list[Finding]:
    """A policy that selects every pod, isolates both directions, and allows nothing itself."""
    for obj in objects:
        if obj["kind"] != "NetworkPolicy":
            continue
        spec = obj.get("spec", {})
        if (
            spec.get("podSelector") in ({}, None)
            and {"Ingress", "Egress"} <= set(spec.get("policyTypes", []))
            and not spec.get("ingress")
            and not spec.get("egress")
        ):
            return []
    return [
        Finding(
            "NetworkPolicy (default deny)",
            "missing: no policy selects every pod and denies Ingress and Egress",
        )
    ]


def workload_findings(objects: list[Manifest], topology: Topology) -> list[Finding]:
    """Every service of the topology has a Deployment and a Service; nothing else runs."""
    expected = {s.name for s in topology.services} | ({TOXIPROXY} if topology.proxied_edges() else set())
    findings = []
    for kind in ("Deployment", "Service"):
        present = {o["metadata"]["name"] for o in objects if o["kind"] == kind}
        findings += [Finding(f"{kind}/{n}", "missing (in the topology)") for n in sorted(expected - present)]
        findings += [Finding(f"{kind}/{n}", "not in the topology") for n in sorted(present - expected)]
    return findings


def expected_hops(topology: Topology) -> set[Hop]:
    """The topology's hops, plus DNS for a pod nobody names (every pod may resolve names); the DNS pods
    live outside the namespace, so they may call a public service like anyone outside."""
    hops = allowed_hops(topology) | {Hop(STRANGER, KUBE_DNS, DNS_PORT, p) for p in ("UDP", "TCP")}
    return hops | {Hop(KUBE_DNS, h.target, h.port) for h in hops if h.source == OUTSIDE}


def reachability_findings(objects: list[Manifest], topology: Topology) -> list[Finding]:
    """The connections the NetworkPolicies allow must be exactly the topology's, and so must each side on
    its own: an ingress rule wider than its edges is a finding even while the other side still blocks."""
    matrix = reachability(objects, APP_LABEL, NAMESPACE)
    expected = expected_hops(topology)
    findings = []
    for hop in sorted(set(matrix.connections) - expected):
        by = ", ".join(matrix.connections[hop])
        findings.append(Finding(str(hop), f"allowed but not a topology edge, by {by}"))
    for hop in sorted(expected - set(matrix.connections)):
        refused = denial(objects, hop, APP_LABEL, NAMESPACE)
        findings.append(Finding(str(hop), f"a topology edge the NetworkPolicies deny ({refused})"))
    public = {h.target for h in expected if h.source == OUTSIDE}
    for side, allowed in (("ingress", matrix.ingress), ("egress", matrix.egress)):
        too_wide: dict[str, list[Hop]] = {}
        for hop in sorted(allowed):
            wanted = hop in expected or (
                side == "ingress" and hop.target in public and _own_port(hop, expected)
            )
            if not wanted and hop not in matrix.connections:  # whole connections are reported above
                too_wide.setdefault(", ".join(allowed[hop]), []).append(hop)
        for by, hops in sorted(too_wide.items()):
            findings.append(Finding(by, _too_wide(side, hops)))
    return findings


def _too_wide(side: str, hops: list[Hop], shown: int = 4) -> str:
    if len(hops) == 1:
        return f"{side} admits {hops[0]}, which is not a topology edge"
    listed = "; ".join(str(h) for h in hops[:shown]) + ("; …" if len(hops) > shown else "")
    return f"{side} admits {len(hops)} connections that are not topology edges: {listed}"


def _own_port(hop: Hop, expected: set[Hop]) -> bool:
    """The public service's own port (what its ingress may admit from anyone)."""
    return any(h.target == hop.target and h.port == hop.port and h.source == OUTSIDE for h in expected)


def config_findings(objects: list[Manifest]) -> list[Finding]:
    """Each ``*-config`` ConfigMap's service.json loads as the launcher's ServiceConfig and settings model."""
    import json

    from pydantic import ValidationError

    from harness.k8s.configs import CONFIG_FILE
    from harness.launch.service import ServiceConfig

    findings = []
    for obj in objects:
        if obj["kind"] != "ConfigMap" or CONFIG_FILE not in (obj.get("data") or {}):
            continue
        try:
            config = ServiceConfig.model_validate(json.loads(obj["data"][CONFIG_FILE]))
            settings_model(config.role, config.name).model_validate(config.settings)
        except (ValueError, ValidationError) as exc:
            first = str(exc).splitlines()[:3]
            findings.append(Finding(ref(obj), f"data.{CONFIG_FILE} does not load: {' '.join(first)}"))
    return findings


def settings_model(role: str, name: str) -> Any:
    if role == "server":
        from servers.registry import server_spec

        return server_spec(name).settings_type
    if role == "client":
        from client.settings import ClientSettings

        return ClientSettings
    if role == "gateway":
        from client.settings import GatewaySettings

        return GatewaySettings
    return HostPort


class HostPort(BaseModel):
    """The fake weather API's settings: where it listens."""

    host: str
    port: int = Field(ge=1, le=65535)
