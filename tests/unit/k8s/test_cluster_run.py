"""`k8s test` aims the scenarios at the cluster: each becomes a target run through the port-forwarded
gateway, and the tools it needs are detected, never assumed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.k8s.cluster_run import API_KEY_ENV, forwarded_port, retarget
from harness.k8s.driver import ClusterUnavailable, missing_tools, require_tools
from harness.k8s.settings import K8sSettings
from harness.scenario.loader import load_scenario

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def test_a_scenario_is_retargeted_at_the_forwarded_gateway() -> None:
    scenario = load_scenario(SCENARIOS / "deployment.yaml")
    moved = retarget(scenario, "http://127.0.0.1:4321/mcp", "http://127.0.0.1:4322")
    assert moved.topology.target is not None
    assert moved.topology.target.gateway == "http://127.0.0.1:4321/mcp"
    assert moved.topology.target.api_key_env == API_KEY_ENV
    assert moved.topology.target.proxy_api == "http://127.0.0.1:4322"
    assert moved.steps == scenario.steps and moved.expect == scenario.expect
    assert scenario.topology.target is None  # the loaded scenario is untouched


def test_the_forwarded_port_is_read_from_kubectls_output() -> None:
    lines = iter(["Forwarding from 127.0.0.1:41234 -> 8080\n", "Forwarding from [::1]:41234 -> 8080\n"])
    assert forwarded_port(lines) == 41234
    assert forwarded_port(iter(["error: unable to forward\n"])) is None


def test_missing_cluster_tools_are_named_not_faked() -> None:
    settings = K8sSettings(cluster="kind")
    missing = missing_tools(settings)
    if not missing:
        pytest.skip("Docker, kind and kubectl are all here: nothing is missing to report")
    if shutil.which("kind") is None:
        assert "kind is not on PATH" in missing
    with pytest.raises(ClusterUnavailable, match="cannot drive a kind cluster here: "):
        require_tools(settings)


def test_an_existing_cluster_needs_only_kubectl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCPH_K8S_CLUSTER", "existing")
    settings = K8sSettings()
    assert settings.cluster == "existing" and settings.kube_context() is None
    assert missing_tools(settings) == ([] if shutil.which("kubectl") else ["kubectl is not on PATH"])
    assert K8sSettings(cluster="kind").kube_context() == "kind-mcph"
