"""A small kustomize, for machines without ``kubectl``: what the shipped kustomizations use, no more.

Written here because no maintained Python package builds kustomizations (the real one is Go, inside
kubectl). Supported: Kustomization and Component files; ``resources`` (YAML files and directories with
a kustomization), ``components``, ``namespace``, ``images`` (newName/newTag), ``patches`` given by ``path``
(strategic merge, target taken from the patch's kind and name, several documents per file allowed) and
``secretGenerator``/``configMapGenerator`` (``files``, ``literals``) with
``generatorOptions.disableNameSuffixHash: true``. Anything else is a :class:`KustomizeError` naming the
field, never silently ignored. When kubectl is present, a test builds every overlay both ways and
compares the objects.
"""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED = {
    "apiVersion",
    "kind",
    "namespace",
    "resources",
    "components",
    "images",
    "patches",
    "secretGenerator",
    "configMapGenerator",
    "generatorOptions",
}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
}
# Lists merged element by element (by this key) in a strategic merge patch; other lists are replaced.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}
KIND_ORDER = ["Namespace", "ServiceAccount", "Secret", "ConfigMap", "Service", "Deployment", "NetworkPolicy"]


class KustomizeError(Exception):
    """The kustomization cannot be built (the message names the file and field)."""


def _kustomization_file(directory: Path) -> Path:
    for name in KUSTOMIZATION_FILES:
        if (directory / name).is_file():
            return directory / name
    raise KustomizeError(f"{directory}: no kustomization.yaml")


def _load_docs(path: Path) -> list[Manifest]:
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except (OSError, yaml.YAMLError) as exc:
        raise KustomizeError(f"{path}: {exc}") from None
    for doc in docs:
        if not isinstance(doc, dict) or "kind" not in doc:
            raise KustomizeError(f"{path}: every document must be a Kubernetes object with a kind")
    return docs


def build(directory: Path) -> list[Manifest]:
    """The objects ``kustomize build directory`` emits (in kustomize's legacy kind order)."""
    return sorted(_build(directory.resolve(), expect="Kustomization"), key=_order)


def _order(obj: Manifest) -> tuple[int, str, str]:
    kind = obj["kind"]
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return rank, kind, obj.get("metadata", {}).get("name", "")


def _build(directory: Path, expect: str, base: list[Manifest] | None = None) -> list[Manifest]:
    path = _kustomization_file(directory)
    spec = yaml.safe_load(path.read_text()) or {}
    unknown = sorted(set(spec) - SUPPORTED)
    if unknown:
        raise KustomizeError(f"{path}: unsupported field(s) {', '.join(unknown)}")
    if spec.get("kind", "Kustomization") != expect:
        raise KustomizeError(f"{path}: kind {spec.get('kind')!r} where a {expect} is expected")
    objects = list(base or [])
    for entry in spec.get("resources", []):
        target = directory / entry
        objects += _build(target, "Kustomization") if target.is_dir() else _load_docs(target)
    for entry in spec.get("components", []):
        objects = _build(directory / entry, "Component", objects)
    objects += _generate(directory, path, spec)
    for entry in spec.get("patches", []):
        if set(entry) != {"path"}:
            raise KustomizeError(f"{path}: patches support only 'path' (got {sorted(entry)})")
        for patch in _load_docs(directory / entry["path"]):
            _apply_patch(objects, patch, directory / entry["path"])
    for image in spec.get("images", []):
        _set_image(objects, image)
    if "namespace" in spec:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = spec["namespace"]
    return objects


def _generate(directory: Path, path: Path, spec: Manifest) -> list[Manifest]:
    generators = [("Secret", g) for g in spec.get("secretGenerator", [])]
    generators += [("ConfigMap", g) for g in spec.get("configMapGenerator", [])]
    if generators and not spec.get("generatorOptions", {}).get("disableNameSuffixHash"):
        raise KustomizeError(f"{path}: generators need generatorOptions.disableNameSuffixHash: true here")
    out = []
    for kind, generator in generators:
        extra = sorted(set(generator) - {"name", "files", "literals", "type"})
        if extra:
            raise KustomizeError(f"{path}: {kind} generator field(s) {', '.join(extra)} unsupported")
        data: dict[str, bytes] = {}
        for literal in generator.get("literals", []):
            key, _, value = literal.partition("=")
            data[key] = value.encode()
        for item in generator.get("files", []):
            key, _, source = item.partition("=") if "=" in item else (Path(item).name, "", item)
            try:
                data[key] = (directory / source).read_bytes()
            except OSError as exc:
                raise KustomizeError(f"{path}: {kind} {generator['name']}: {exc}") from None
        obj: Manifest = {"apiVersion": "v1", "kind": kind, "metadata": {"name": generator["name"]}}
        if kind == "Secret":
            obj["type"] = generator.get("type", "Opaque")
            obj["data"] = {k: base64.b64encode(v).decode() for k, v in data.items()}
        else:
            obj["data"] = {k: v.decode() for k, v in data.items()}
        out.append(obj)
    return out


def _apply_patch(objects: list[Manifest], patch: Manifest, source: Path) -> None:
    name = patch.get("metadata", {}).get("name")
    matches = [o for o in objects if o["kind"] == patch["kind"] and o.get("metadata", {}).get("name") == name]
    if len(matches) != 1:
        raise KustomizeError(f"{source}: patch target {patch['kind']}/{name} matches {len(matches)} objects")
    merged = strategic_merge(matches[0], patch)
    matches[0].clear()
    matches[0].update(merged)


def strategic_merge(original: Any, patch: Any, field: str = "") -> Any:
    """Maps merge key by key (``null`` deletes), lists in :data:`MERGE_KEYS` by key, other lists replace."""
    if isinstance(original, dict) and isinstance(patch, dict):
        out = copy.deepcopy(original)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = strategic_merge(out.get(key), value, key)
        return out
    if isinstance(original, list) and isinstance(patch, list):
        key = MERGE_KEYS.get(field) or ("port" if field == "ports" and _all_have(patch, "port") else None)
        if field == "ports" and _all_have(patch, "containerPort"):
            key = "containerPort"
        if key is not None and _all_have(original, key) and _all_have(patch, key):
            out_list = copy.deepcopy(original)
            for item in patch:
                at = next((i for i, o in enumerate(out_list) if o[key] == item[key]), None)
                if at is None:
                    out_list.append(copy.deepcopy(item))
                else:
                    out_list[at] = strategic_merge(out_list[at], item)
            return out_list
    return copy.deepcopy(patch)


def _all_have(items: list[Any], key: str) -> bool:
    return all(isinstance(i, dict) and key in i for i in items)


def _set_image(objects: list[Manifest], image: Manifest) -> None:
    for obj in objects:
        pod = obj.get("spec", {}).get("template", {}).get("spec", {})
        for container in [*pod.get("containers", []), *pod.get("initContainers", [])]:
            name, _, tag = container["image"].partition(":")
            if name != image["name"]:
                continue
            new_name = image.get("newName", name)
            new_tag = image.get("newTag", tag)
            container["image"] = f"{new_name}:{new_tag}" if new_tag else new_name
