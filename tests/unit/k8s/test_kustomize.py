"""The Python renderer: the kustomize features the shipped overlays use, the same objects as
``kubectl kustomize`` when kubectl is present, and a clear error for anything it does not support."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

import pytest

from harness.k8s.kustomize import KustomizeError, build, strategic_merge
from harness.k8s.render import OVERLAYS, kubectl_kustomize

Objects = list[dict[str, Any]]


def comparable(objects: Objects) -> dict[tuple[str, str], Any]:
    """Objects by kind and name; Secret data decoded (kubectl wraps base64 lines, we do not)."""
    out = {}
    for obj in objects:
        if obj["kind"] == "Secret":
            obj = {**obj, "data": {k: base64.b64decode(v) for k, v in obj.get("data", {}).items()}}
        out[(obj["kind"], obj["metadata"]["name"])] = obj
    return out


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_python_renderer_builds_what_kubectl_kustomize_builds(
    k8s_root: Path, rendered_overlays: dict[str, Objects], overlay: str
) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not on PATH: nothing to compare the Python renderer with")
    theirs = kubectl_kustomize(kubectl, k8s_root / "overlays" / overlay)
    assert comparable(rendered_overlays[overlay]) == comparable(theirs)


def test_overlays_patch_what_they_say(rendered_overlays: dict[str, Objects]) -> None:
    def get(overlay: str, kind: str, name: str) -> dict[str, Any]:
        (obj,) = [
            o for o in rendered_overlays[overlay] if o["kind"] == kind and o["metadata"]["name"] == name
        ]
        return obj

    dev_gateway = get("dev", "Service", "gateway")["spec"]
    assert dev_gateway["type"] == "NodePort" and dev_gateway["ports"][0]["nodePort"] == 30080
    assert get("prod", "Service", "gateway")["spec"]["type"] == "LoadBalancer"
    assert get("prod", "Deployment", "client")["spec"]["replicas"] == 2
    prod_image = get("prod", "Deployment", "weather")["spec"]["template"]["spec"]["containers"][0]["image"]
    assert prod_image == "registry.example.com/mcp-harness:0.1.0"
    assert get("dev", "Deployment", "redis")["spec"]["template"]["spec"]["containers"][0]["image"].startswith(
        "redis:"
    )
    assert all(
        o["metadata"].get("namespace") == "mcph" for o in rendered_overlays["dev"] if o["kind"] != "Namespace"
    )
    assert (
        '"url": "https://toxiproxy:' in get("toxiproxy", "ConfigMap", "client-config")["data"]["service.json"]
    )


def test_strategic_merge_merges_containers_by_name_and_null_deletes() -> None:
    original = {
        "containers": [{"name": "a", "image": "x:1", "env": [{"name": "K", "value": "1"}]}, {"name": "b"}]
    }
    patch = {
        "containers": [{"name": "a", "image": "x:2", "env": [{"name": "L", "value": "2"}]}],
        "extra": None,
    }
    merged = strategic_merge(original, patch)
    assert merged == {
        "containers": [
            {"name": "a", "image": "x:2", "env": [{"name": "K", "value": "1"}, {"name": "L", "value": "2"}]},
            {"name": "b"},
        ]
    }
    assert strategic_merge({"args": ["a", "b"]}, {"args": ["c"]}) == {"args": ["c"]}  # plain lists replace


def test_an_unsupported_kustomize_field_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\nnamePrefix: x-\nreplicas: []\n")
    with pytest.raises(KustomizeError, match=r"unsupported field\(s\) namePrefix, replicas"):
        build(tmp_path)


def test_a_patch_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    (tmp_path / "patch.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {k: v}\n"
    )
    (tmp_path / "kustomization.yaml").write_text("resources: [cm.yaml]\npatches: [{path: patch.yaml}]\n")
    with pytest.raises(KustomizeError, match="patch target ConfigMap/b matches 0 objects"):
        build(tmp_path)


def test_generators_need_fixed_names(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("secretGenerator: [{name: s, literals: [a=b]}]\n")
    with pytest.raises(KustomizeError, match="disableNameSuffixHash"):
        build(tmp_path)


def test_cached_schemas_judge_like_kubernetes_validate(rendered_overlays: dict[str, Objects]) -> None:
    import copy

    import kubernetes_validate
    from kubernetes_validate.utils import ValidationError

    from harness.k8s.checks import KUBERNETES_VERSION, schema_findings

    (good,) = [
        o for o in rendered_overlays["dev"] if o["kind"] == "Deployment" and o["metadata"]["name"] == "client"
    ]
    bad = copy.deepcopy(good)
    bad["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "eighty"
    kubernetes_validate.validate(good, KUBERNETES_VERSION, strict=True)
    with pytest.raises(ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSION, strict=True)
    assert schema_findings([good]) == []
    (finding,) = schema_findings([bad])
    assert "spec.template.spec.containers.0.ports.0.containerPort" in finding.problem
