"""The committed base and Toxiproxy component are what `k8s generate` writes from the topology, and
the secret material they need is written once, for the names the Services answer to."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cryptography import x509

from harness.k8s.cluster import cluster_topology
from harness.k8s.configs import service_configs
from harness.k8s.material import ensure_material, missing_material
from harness.k8s.staleness import stale_files
from tests.unit.k8s.conftest import REPO_K8S


def test_the_committed_manifests_are_the_generated_ones() -> None:
    assert stale_files(REPO_K8S) == []


def test_a_hand_edit_of_a_generated_file_is_stale(tmp_path: Path) -> None:
    root = tmp_path / "k8s"
    shutil.copytree(REPO_K8S, root, ignore=shutil.ignore_patterns("certs"))
    policies = root / "base" / "network-policies.yaml"
    policies.write_text(policies.read_text().replace("port: 8001", "port: 8009"))
    assert stale_files(root) == [policies]


def test_service_configs_dial_services_by_name_with_mtls_on_both_edges() -> None:
    configs = service_configs(cluster_topology())
    client = configs["client"].settings
    assert [u["url"] for u in client["upstreams"]] == [
        "https://weather:8000/mcp",
        "https://wallet:8001/mcp",
        "https://knowledge:8002/mcp",
    ]
    assert client["upstreams"][0]["tls"]["cert_file"] == "/etc/mcph/tls/servers-edge/client.pem"
    assert configs["client"].serve_tls is not None  # only the gateway's certificate opens the client
    assert configs["gateway"].settings["client_url"] == "https://client:8081"
    assert "api_keys" not in configs["gateway"].settings  # from the Secret, never in a ConfigMap
    assert configs["wallet"].settings["redis"]["url"] == "redis://redis:6379/0"
    assert configs["wallet"].settings["mongo"]["url"].startswith("mongodb://mongo:27017/")
    assert configs["weather"].settings["tls"]["ca_file"] == "/etc/mcph/tls/servers-edge/ca.pem"
    assert "weather.mcph.svc:*" in configs["weather"].settings["allowed_hosts"]


def test_material_is_written_once_with_every_service_name(tmp_path: Path) -> None:
    base = tmp_path / "base"
    written = ensure_material(base)
    assert missing_material(base) == []
    assert len(written) == 12
    assert ensure_material(base) == []  # kept: re-rendering does not rotate keys
    server = x509.load_pem_x509_certificate((base / "certs" / "server.pem").read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns = set(names.get_values_for_type(x509.DNSName))
    assert {"weather", "wallet.mcph.svc", "knowledge.mcph.svc.cluster.local", "toxiproxy"} <= dns
    edge = x509.load_pem_x509_certificate((base / "certs" / "gateway-edge" / "ca.pem").read_bytes())
    servers_ca = x509.load_pem_x509_certificate((base / "certs" / "ca.pem").read_bytes())
    assert edge.subject.public_bytes() == servers_ca.subject.public_bytes()  # same name …
    assert (
        edge.public_key() != servers_ca.public_key()
    )  # … but its own CA: one edge's cert opens nothing on the other
    (entry,) = json.loads((base / "certs" / "api-keys.json").read_text())
    assert entry["name"] == "dev" and len(entry["sha256"]) == 64
    assert (base / "certs" / "api-key").read_text() not in (base / "certs" / "api-keys.json").read_text()


def test_the_gateway_reads_its_keys_from_the_secret_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from client.auth import hash_api_key
    from client.settings import GatewaySettings

    base = tmp_path / "base"
    ensure_material(base)
    monkeypatch.setenv("MCPH_GATEWAY_API_KEYS", (base / "certs" / "api-keys.json").read_text())
    settings = GatewaySettings(**service_configs(cluster_topology())["gateway"].settings)
    (entry,) = settings.api_keys
    assert entry.sha256 == hash_api_key((base / "certs" / "api-key").read_text())


def test_a_topology_cpu_limit_becomes_the_containers_limit() -> None:
    from harness.k8s.workloads import workloads

    topology = cluster_topology()
    topology.service("weather").cpu_limit_millicores = 250
    configs = {s.name: "{}" for s in topology.services}
    by_name = workloads(topology, configs)
    limits = next(o for o in by_name["weather"] if o["kind"] == "Deployment")["spec"]["template"]["spec"]
    assert limits["containers"][0]["resources"]["limits"]["cpu"] == "250m"
    wallet = next(o for o in by_name["wallet"] if o["kind"] == "Deployment")["spec"]["template"]["spec"]
    assert wallet["containers"][0]["resources"]["limits"]["cpu"] == "1"  # no limit in the topology: one core
