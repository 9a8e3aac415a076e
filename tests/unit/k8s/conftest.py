"""A copy of deploy/k8s per session (rendering writes secret material into base/certs, never into the
repository's tree) and its overlays rendered once by the Python renderer."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from harness.k8s.render import OVERLAYS, render

REPO_K8S = Path(__file__).resolve().parents[3] / "deploy" / "k8s"


@pytest.fixture(scope="session")
def k8s_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("deploy") / "k8s"
    shutil.copytree(REPO_K8S, root, ignore=shutil.ignore_patterns("certs"))
    return root


@pytest.fixture(scope="session")
def rendered_overlays(k8s_root: Path) -> dict[str, list[dict[str, Any]]]:
    return {name: render(k8s_root, name, "python").objects for name in OVERLAYS}


@pytest.fixture
def dev_objects(rendered_overlays: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """A fresh copy of the dev overlay's objects, for a test to break."""
    return copy.deepcopy(rendered_overlays["dev"])


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (match,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return match
