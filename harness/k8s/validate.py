"""``k8s validate``: every offline check on a rendered overlay, against the topology it must implement.

An overlay that deploys Toxiproxy is held to the proxied topology (every edge through Toxiproxy);
any other to the direct one.
"""

from __future__ import annotations

from typing import Any

from harness.k8s import checks
from harness.k8s.checks import Finding
from harness.k8s.cluster import TOXIPROXY, cluster_topology
from harness.topology import Topology

Manifest = dict[str, Any]


def topology_for(objects: list[Manifest]) -> Topology:
    proxied = any(o["kind"] == "Deployment" and o["metadata"]["name"] == TOXIPROXY for o in objects)
    return cluster_topology(proxied=proxied)


def validate_objects(objects: list[Manifest], *, schemas: bool = True) -> list[Finding]:
    topology = topology_for(objects)
    findings = checks.schema_findings(objects) if schemas else []
    findings += checks.security_findings(objects)
    findings += checks.exposure_findings(objects, topology)
    findings += checks.default_deny_findings(objects)
    findings += checks.workload_findings(objects, topology)
    findings += checks.config_findings(objects)
    findings += checks.reachability_findings(objects, topology)
    return findings
