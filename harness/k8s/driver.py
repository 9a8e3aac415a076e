"""``k8s up|down``: a kind cluster (or an existing one) with the rendered overlay applied, via the real
tools. Nothing here is simulated: without a Docker engine, kind or kubectl, :class:`ClusterUnavailable`
says which one is missing and the command exits 2.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence

from harness.k8s.cluster import NAMESPACE
from harness.k8s.render import render
from harness.k8s.settings import K8sSettings

TOOL_TIMEOUT_S = 600


class ClusterUnavailable(Exception):
    """A tool or the cluster this command needs is not there (the message names it)."""


def docker_engine_answers(timeout_s: float = 10.0) -> str | None:
    """None when ``docker info`` answers; else why not."""
    docker = shutil.which("docker")
    if docker is None:
        return "the docker CLI is not on PATH"
    try:
        done = subprocess.run(
            [docker, "info"], capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"docker info did not answer: {exc}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"no Docker engine answers ({last})"
    return None


def missing_tools(settings: K8sSettings) -> list[str]:
    """Why this machine cannot drive the configured cluster (empty: it can)."""
    missing = [] if shutil.which("kubectl") else ["kubectl is not on PATH"]
    if settings.cluster == "kind":
        if shutil.which("kind") is None:
            missing.append("kind is not on PATH")
        engine = docker_engine_answers()
        if engine is not None:
            missing.append(engine)
    return missing


def require_tools(settings: K8sSettings) -> None:
    missing = missing_tools(settings)
    if missing:
        raise ClusterUnavailable(f"cannot drive a {settings.cluster} cluster here: " + "; ".join(missing))


def run_tool(argv: Sequence[str], *, stdin: str | None = None, timeout_s: float = TOOL_TIMEOUT_S) -> str:
    """Run one tool; its failure is a :class:`ClusterUnavailable` with its last error line."""
    try:
        done = subprocess.run(
            list(argv), input=stdin, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ClusterUnavailable(f"{' '.join(argv[:3])}: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ClusterUnavailable(f"{' '.join(argv[:3])} failed: {last}")
    return done.stdout


def kubectl(settings: K8sSettings, *args: str) -> list[str]:
    context = settings.kube_context()
    return ["kubectl", *(["--context", context] if context else []), *args]


def kind_cluster_exists(settings: K8sSettings) -> bool:
    return settings.kind_name in run_tool(["kind", "get", "clusters"]).split()


def up(settings: K8sSettings, emit: Callable[[str], None] = print) -> None:
    """Create the kind cluster if needed, build and load the image, apply the overlay, wait for rollout."""
    require_tools(settings)
    if settings.cluster == "kind":
        if not kind_cluster_exists(settings):
            emit(f"creating kind cluster {settings.kind_name} ({settings.kind_config})")
            run_tool(
                [
                    "kind",
                    "create",
                    "cluster",
                    "--name",
                    settings.kind_name,
                    "--config",
                    str(settings.kind_config),
                ]
            )
        emit(f"building {settings.image} from {settings.dockerfile}")
        run_tool(["docker", "build", "-f", str(settings.dockerfile), "-t", settings.image, "."])
        run_tool(["kind", "load", "docker-image", settings.image, "--name", settings.kind_name])
    rendered = render(settings.root, settings.overlay)
    emit(f"applying overlay {settings.overlay} ({len(rendered.objects)} objects, {rendered.renderer})")
    run_tool(kubectl(settings, "apply", "-f", "-"), stdin=rendered.yaml())
    if rendered.written:  # new certificates or keys: pods must remount them
        run_tool(kubectl(settings, "-n", NAMESPACE, "rollout", "restart", "deployment"))
    emit(f"waiting for every Deployment in {NAMESPACE} (at most {settings.rollout_timeout_s} s)")
    timeout = f"{settings.rollout_timeout_s}s"
    run_tool(
        kubectl(
            settings,
            "-n",
            NAMESPACE,
            "wait",
            "--for=condition=Available",
            "deployment",
            "--all",
            f"--timeout={timeout}",
        ),
        timeout_s=settings.rollout_timeout_s + 30,
    )


def down(settings: K8sSettings) -> None:
    """Delete the kind cluster, or only our namespace on an existing cluster."""
    require_tools(settings)
    if settings.cluster == "kind":
        run_tool(["kind", "delete", "cluster", "--name", settings.kind_name])
    else:
        run_tool(kubectl(settings, "delete", "namespace", NAMESPACE, "--ignore-not-found"))


def api_key(settings: K8sSettings) -> str:
    """The gateway's API key, from the cluster's Secret (what `k8s up` applied)."""
    import base64

    encoded = run_tool(
        kubectl(
            settings, "-n", NAMESPACE, "get", "secret", "gateway-api-keys", "-o", "jsonpath={.data.api-key}"
        ),
        timeout_s=30,
    )
    return base64.b64decode(encoded).decode()
