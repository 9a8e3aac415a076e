"""Render an overlay: ``kubectl kustomize`` when kubectl is on PATH, else the Python renderer.

Both read the same files; which one ran is reported, so a difference between them is never hidden.
The base's secret material (``base/certs``) is written first when missing, because kustomize's
secretGenerator needs the files.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from harness.k8s.kustomize import KustomizeError, build
from harness.k8s.material import ensure_material

OVERLAYS = ("dev", "prod", "toxiproxy")
DEFAULT_ROOT = Path("deploy/k8s")
Renderer = Literal["auto", "kubectl", "python"]
KUBECTL_TIMEOUT_S = 60


class RenderError(Exception):
    """The overlay cannot be rendered (the message says why)."""


@dataclass
class Rendered:
    overlay: str
    renderer: str  # "kubectl kustomize" or "python"
    objects: list[dict[str, Any]]
    written: list[Path]  # secret material created for this render

    def yaml(self) -> str:
        return yaml.safe_dump_all(self.objects, sort_keys=False)


def overlay_dir(root: Path, overlay: str) -> Path:
    if overlay not in OVERLAYS:
        raise RenderError(f"unknown overlay {overlay!r}; choose one of {', '.join(OVERLAYS)}")
    path = root / "overlays" / overlay
    if not path.is_dir():
        raise RenderError(f"{path} does not exist (run from the repository root or pass --root)")
    return path


def render(root: Path, overlay: str, renderer: Renderer = "auto") -> Rendered:
    directory = overlay_dir(root, overlay)
    written = ensure_material(root / "base")
    kubectl = shutil.which("kubectl")
    if renderer == "kubectl" and kubectl is None:
        raise RenderError("kubectl is not on PATH (use --renderer python)")
    if renderer != "python" and kubectl is not None:
        return Rendered(overlay, "kubectl kustomize", kubectl_kustomize(kubectl, directory), written)
    try:
        return Rendered(overlay, "python", build(directory), written)
    except KustomizeError as exc:
        raise RenderError(str(exc)) from None


def kubectl_kustomize(kubectl: str, directory: Path) -> list[dict[str, Any]]:
    try:
        done = subprocess.run(
            [kubectl, "kustomize", str(directory)],
            capture_output=True,
            text=True,
            timeout=KUBECTL_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"kubectl kustomize {directory}: {exc}") from None
    if done.returncode != 0:
        raise RenderError(f"kubectl kustomize {directory} failed: {done.stderr.strip()}")
    return [d for d in yaml.safe_load_all(done.stdout) if d is not None]
