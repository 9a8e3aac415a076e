"""`k8s validate` passes on the shipped overlays and fails, naming the policy or field, on each kind of
breakage: a widened allow rule, a removed default deny, a private Service exposed, a root container."""

from __future__ import annotations

from typing import Any

import pytest

from harness.k8s.checks import Finding
from harness.k8s.render import OVERLAYS
from harness.k8s.validate import validate_objects
from tests.unit.k8s.conftest import find

Objects = list[dict[str, Any]]


def texts(findings: list[Finding]) -> list[str]:
    return [str(f) for f in findings]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_shipped_overlay_validates(rendered_overlays: dict[str, Objects], overlay: str) -> None:
    assert texts(validate_objects(rendered_overlays[overlay])) == []


def test_an_ingress_rule_widened_to_another_pod_names_the_policy(dev_objects: Objects) -> None:
    policy = find(dev_objects, "NetworkPolicy", "ingress-weather")
    policy["spec"]["ingress"][0]["from"].append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}
    )
    found = texts(validate_objects(dev_objects))
    # The gateway's egress still blocks the connection; the wider ingress side is reported on its own.
    assert (
        "NetworkPolicy/ingress-weather: ingress admits gateway -> weather:8000/TCP, which is not a topology edge"
        in found
    )
    assert not any(f.startswith("gateway -> weather") for f in found)


def test_widening_both_sides_opens_a_connection_named_with_both_policies(dev_objects: Objects) -> None:
    gateway_peer = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}
    find(dev_objects, "NetworkPolicy", "ingress-weather")["spec"]["ingress"][0]["from"].append(gateway_peer)
    weather_peer = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "weather"}}}
    egress = find(dev_objects, "NetworkPolicy", "egress-gateway")["spec"]["egress"]
    egress.append({"to": [weather_peer], "ports": [{"protocol": "TCP", "port": 8000}]})
    found = texts(validate_objects(dev_objects))
    assert (
        "gateway -> weather:8000/TCP: allowed but not a topology edge, by "
        "NetworkPolicy/egress-gateway, NetworkPolicy/ingress-weather"
    ) in found


def test_a_rule_without_ports_admits_every_port_and_is_named(dev_objects: Objects) -> None:
    del find(dev_objects, "NetworkPolicy", "egress-client")["spec"]["egress"][0]["ports"]
    found = texts(validate_objects(dev_objects))
    assert found == [
        "NetworkPolicy/egress-client: egress admits client -> knowledge:65000/TCP, which is not a topology edge"
    ]


def test_removing_the_default_deny_is_named_and_leaves_new_pods_open(dev_objects: Objects) -> None:
    dev_objects.remove(find(dev_objects, "NetworkPolicy", "default-deny"))
    found = texts(validate_objects(dev_objects))
    assert (
        "NetworkPolicy (default deny): missing: no policy selects every pod and denies Ingress and Egress"
        in found
    )
    # Without it, a pod nobody wrote a policy for accepts connections from anyone.
    assert (
        "outside -> stranger:8080/TCP: allowed but not a topology edge, by no Ingress policy selects stranger"
    ) in found
    assert any(
        f.startswith("no Ingress policy selects stranger: ingress admits 16 connections") for f in found
    )


def test_a_missing_edge_names_the_side_that_refuses_it(dev_objects: Objects) -> None:
    find(dev_objects, "NetworkPolicy", "ingress-wallet")["spec"]["ingress"] = []
    found = texts(validate_objects(dev_objects))
    assert "client -> wallet:8001/TCP: a topology edge the NetworkPolicies deny (ingress of wallet)" in found


@pytest.mark.parametrize("kind", ["NodePort", "LoadBalancer"])
def test_a_server_service_exposed_outside_the_cluster_is_named(dev_objects: Objects, kind: str) -> None:
    find(dev_objects, "Service", "weather")["spec"]["type"] = kind
    found = texts(validate_objects(dev_objects, schemas=False))
    assert found == [f"Service/weather: spec.type is {kind}: only ['gateway'] may be exposed"]


def test_a_container_running_as_root_is_named(dev_objects: Objects) -> None:
    pod = find(dev_objects, "Deployment", "wallet")["spec"]["template"]["spec"]
    pod["securityContext"]["runAsNonRoot"] = False
    pod["securityContext"]["runAsUser"] = 0
    context = pod["containers"][0]["securityContext"]
    del context["runAsNonRoot"], context["runAsUser"]
    found = texts(validate_objects(dev_objects, schemas=False))
    assert found == [
        "Deployment/wallet: container wallet: securityContext.runAsNonRoot is not true",
        "Deployment/wallet: container wallet: securityContext.runAsUser is 0 (root)",
    ]


def test_each_container_hardening_field_is_checked(dev_objects: Objects) -> None:
    container = find(dev_objects, "Deployment", "client")["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"].update(
        readOnlyRootFilesystem=False, allowPrivilegeEscalation=True, capabilities={"add": ["NET_ADMIN"]}
    )
    del container["readinessProbe"], container["resources"]["limits"]
    container["image"] = "mcp-harness:latest"
    problems = [f.problem for f in validate_objects(dev_objects, schemas=False)]
    assert problems == [
        "container client: securityContext.readOnlyRootFilesystem is not true",
        "container client: securityContext.allowPrivilegeEscalation is not false",
        "container client: securityContext.capabilities.drop lacks ALL",
        "container client: securityContext.capabilities.add ['NET_ADMIN']",
        "container client: resources.requests/limits.cpu missing",
        "container client: resources.requests/limits.memory missing",
        "container client: no readinessProbe",
        "container client: image 'mcp-harness:latest' is not pinned to a tag",
    ]


def test_a_field_the_schema_does_not_know_is_named(dev_objects: Objects) -> None:
    find(dev_objects, "Service", "client")["spec"]["exposeEverywhere"] = True
    found = texts(validate_objects(dev_objects))
    assert len(found) == 1
    assert found[0].startswith("Service/client: schema (Kubernetes 1.32.0): spec: Additional properties")


def test_a_service_config_that_does_not_load_is_named(dev_objects: Objects) -> None:
    config = find(dev_objects, "ConfigMap", "client-config")
    config["data"]["service.json"] = config["data"]["service.json"].replace(
        '"default_timeout_s": 10.0', '"default_timeout_s": -1'
    )
    found = texts(validate_objects(dev_objects, schemas=False))
    assert len(found) == 1 and found[0].startswith("ConfigMap/client-config: data.service.json does not load")


def test_a_deployment_outside_the_topology_is_named(dev_objects: Objects) -> None:
    extra = dict(find(dev_objects, "Deployment", "redis"), metadata={"name": "debug"})
    dev_objects.append(extra)
    assert "Deployment/debug: not in the topology" in texts(validate_objects(dev_objects, schemas=False))
