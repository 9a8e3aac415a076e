"""`mcp-harness k8s` end to end on this machine: validate passes on a copy of the shipped tree and fails
(exit 1, naming the policy or Service) when a file is broken; bad usage exits 2; without a cluster,
`up` and `test` exit 2 saying what is missing. The kind path runs only where Docker and kind exist."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import build_app
from harness.k8s.driver import missing_tools
from harness.k8s.settings import K8sSettings

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "k8s"
    shutil.copytree(REPO / "deploy" / "k8s", root, ignore=shutil.ignore_patterns("certs"))
    return root


def k8s(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), ["k8s", *args])
    return result.exit_code, result.output


def test_validate_passes_on_the_shipped_tree(tree: Path) -> None:
    code, out = k8s("validate", "--root", str(tree), "--dockerfile", str(REPO / "deploy" / "Dockerfile"))
    assert code == 0, out
    for overlay in ("dev", "prod", "toxiproxy"):
        assert f"{overlay}: ok — " in out
    assert (tree / "base" / "certs" / "server.pem").is_file()  # written for the Secrets


def test_validate_fails_naming_a_widened_ingress_policy(tree: Path) -> None:
    policies = tree / "base" / "network-policies.yaml"
    text = policies.read_text()
    # ingress-mongo admits the weather and wallet pods; widen it to any pod of the namespace.
    start = text.index("name: ingress-mongo")
    head, tail = text[:start], text[start:]
    tail = tail.replace(
        "  - from:\n    - podSelector:\n        matchLabels:\n          app.kubernetes.io/name: wallet",
        "  - from:\n    - podSelector: {}",
        1,
    )
    policies.write_text(head + tail)
    code, out = k8s("validate", "--root", str(tree), "--overlay", "dev", "--renderer", "python")
    assert code == 1, out
    assert "dev: FAIL" in out
    assert "NetworkPolicy/ingress-mongo: ingress admits" in out
    assert "differs from `mcp-harness k8s generate`" in out


def test_validate_fails_naming_a_server_exposed_by_nodeport(tree: Path) -> None:
    patch = tree / "overlays" / "dev" / "wallet-nodeport.yaml"
    patch.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: wallet}\nspec: {type: NodePort}\n")
    kustomization = tree / "overlays" / "dev" / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "  - path: wallet-nodeport.yaml\n")
    code, out = k8s("validate", "--root", str(tree), "--overlay", "dev")
    assert code == 1, out
    assert "Service/wallet: spec.type is NodePort: only ['gateway'] may be exposed" in out


def test_render_prints_the_overlay_and_rejects_an_unknown_one(tree: Path) -> None:
    code, out = k8s("render", "--root", str(tree), "--overlay", "prod", "--renderer", "python")
    assert code == 0 and "type: LoadBalancer" in out and "kind: NetworkPolicy" in out
    code, out = k8s("render", "--root", str(tree), "--overlay", "staging")
    assert code == 2 and "unknown overlay 'staging'; choose one of dev, prod, toxiproxy" in out


def test_up_without_docker_or_kind_exits_2_naming_what_is_missing() -> None:
    missing = missing_tools(K8sSettings(cluster="kind"))
    if not missing:
        pytest.skip("Docker, kind and kubectl are all here: `up` would create a real cluster")
    code, out = k8s("up")
    assert code == 2
    assert "cannot drive a kind cluster here" in out
    for reason in missing:
        assert reason in out


def test_test_without_a_cluster_exits_2_with_the_reason() -> None:
    if not missing_tools(K8sSettings(cluster="kind")):
        pytest.skip("the kind tools are here; whether a cluster runs is for the kind test below")
    code, out = k8s("test")
    assert code == 2
    assert out.startswith("error: ") and (
        "kubectl is not on PATH" in out or "no cluster with namespace mcph" in out
    )


@pytest.mark.docker
def test_kind_cluster_runs_the_deployment_scenario() -> None:
    """The real thing: a kind cluster, the image, the dev overlay, a scenario through the gateway."""
    missing = missing_tools(K8sSettings(cluster="kind"))
    if missing:
        pytest.skip("no kind cluster here: " + "; ".join(missing))
    if os.environ.get("MCPH_K8S_KIND_TEST") != "1":
        pytest.skip("creating a kind cluster takes minutes: set MCPH_K8S_KIND_TEST=1")
    try:
        code, out = k8s("up")
        assert code == 0, out
        code, out = k8s("test", "deployment", "--report", str(REPO / "reports" / "k8s"))
        assert code == 0, out
    finally:
        k8s("down")
