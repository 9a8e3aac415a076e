"""``mcp-harness k8s generate|render|validate|up|down|test``: the deployment on Kubernetes.

``render`` and ``validate`` work offline on any machine; ``up``, ``down`` and ``test`` need the configured
cluster (``MCPH_K8S_CLUSTER=kind``: Docker, kind and kubectl; ``existing``: kubectl and a context) and
exit 2 naming what is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from harness.k8s.render import DEFAULT_ROOT, OVERLAYS, Renderer, RenderError

k8s_app = typer.Typer(
    help="Kubernetes: generate, render and validate manifests; a kind cluster.", no_args_is_help=True
)
RootOption = Annotated[Path, typer.Option("--root", help="the deploy/k8s directory")]
RendererOption = Annotated[str, typer.Option("--renderer", help="auto | kubectl | python")]


def _renderer(value: str) -> Renderer:
    if value not in ("auto", "kubectl", "python"):
        typer.echo(f"error: unknown renderer {value!r}; choose auto, kubectl or python", err=True)
        raise typer.Exit(2)
    return value  # type: ignore[return-value]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@k8s_app.command("generate")
def generate(
    root: RootOption = DEFAULT_ROOT,
    check: Annotated[bool, typer.Option("--check", help="only report files that differ (exit 1)")] = False,
) -> None:
    """Write deploy/k8s/base and components/toxiproxy from the topology (overlays are hand-written)."""
    from harness.k8s.generate import write_generated
    from harness.k8s.staleness import stale_files

    if check:
        stale = stale_files(root)
        for path in stale:
            typer.echo(f"{path}: differs from `mcp-harness k8s generate`")
        raise typer.Exit(1 if stale else 0)
    for path in write_generated(root):
        typer.echo(str(path))


@k8s_app.command("render")
def render_command(
    overlay: Annotated[str, typer.Option("--overlay", help=" | ".join(OVERLAYS))] = "dev",
    renderer: RendererOption = "auto",
    root: RootOption = DEFAULT_ROOT,
) -> None:
    """Print the overlay's manifests (kubectl kustomize when kubectl is present, else the Python renderer)."""
    from harness.k8s.render import render

    try:
        rendered = render(root, overlay, _renderer(renderer))
    except RenderError as exc:
        raise _fail(str(exc)) from None
    for path in rendered.written:
        typer.echo(f"wrote {path}", err=True)
    typer.echo(f"# overlay {overlay}, rendered by {rendered.renderer}", err=True)
    sys.stdout.write(rendered.yaml())


@k8s_app.command("validate")
def validate_command(
    overlay: Annotated[list[str] | None, typer.Option("--overlay", help="repeatable [default: all]")] = None,
    renderer: RendererOption = "auto",
    root: RootOption = DEFAULT_ROOT,
    dockerfile: Annotated[Path, typer.Option("--dockerfile")] = Path("deploy/Dockerfile"),
) -> None:
    """Offline: the Dockerfile's lint, schemas of the pinned Kubernetes version, pod security, exposure,
    default deny, and the reachability the NetworkPolicies imply against the topology's edges.
    Exit 1 naming what fails."""
    from harness.k8s.checks import KUBERNETES_VERSION, Finding
    from harness.k8s.dockerfile import lint
    from harness.k8s.render import render
    from harness.k8s.staleness import stale_files
    from harness.k8s.validate import validate_objects

    chosen = overlay or list(OVERLAYS)
    lint_findings, linters = lint(dockerfile)
    typer.echo(f"{dockerfile}: {'FAIL' if lint_findings else 'ok'} — {linters}")
    for line in lint_findings:
        typer.echo(f"  {line}")
    failed = bool(lint_findings)
    stale = [Finding(str(p), "differs from `mcp-harness k8s generate`") for p in stale_files(root)]
    for name in chosen:
        try:
            rendered = render(root, name, _renderer(renderer))
        except RenderError as exc:
            raise _fail(str(exc)) from None
        findings = stale + validate_objects(rendered.objects)
        verdict = "FAIL" if findings else "ok"
        typer.echo(
            f"{name}: {verdict} — {len(rendered.objects)} objects ({rendered.renderer}), "
            f"Kubernetes {KUBERNETES_VERSION} schemas, {len(findings)} finding(s)"
        )
        for finding in findings:
            typer.echo(f"  {finding}")
        failed = failed or bool(findings)
    raise typer.Exit(1 if failed else 0)


def _settings(overlay: str | None) -> object:
    from pydantic import ValidationError

    from harness.k8s.settings import K8sSettings

    try:
        settings = K8sSettings()
    except ValidationError as exc:
        raise _fail(f"invalid MCPH_K8S_* settings: {exc}") from None
    if overlay is not None:
        if overlay not in OVERLAYS:
            raise _fail(f"unknown overlay {overlay!r}; choose one of {', '.join(OVERLAYS)}")
        settings.overlay = overlay
    return settings


@k8s_app.command("up")
def up_command(overlay: Annotated[str | None, typer.Option("--overlay")] = None) -> None:
    """Create the kind cluster (MCPH_K8S_CLUSTER=kind) or use kubectl's context, apply, wait for rollout."""
    from harness.k8s.driver import ClusterUnavailable, up

    try:
        up(_settings(overlay), typer.echo)  # type: ignore[arg-type]
    except (ClusterUnavailable, RenderError) as exc:
        raise _fail(str(exc)) from None
    typer.echo("up: every Deployment is Available")


@k8s_app.command("down")
def down_command() -> None:
    """Delete the kind cluster (or, on an existing cluster, the mcph namespace)."""
    from harness.k8s.driver import ClusterUnavailable, down

    try:
        down(_settings(None))  # type: ignore[arg-type]
    except ClusterUnavailable as exc:
        raise _fail(str(exc)) from None


@k8s_app.command("test")
def test_command(
    scenarios: Annotated[
        list[str] | None, typer.Argument(help="scenario names or files [default: all]")
    ] = None,
    report_dir: Annotated[Path, typer.Option("--report")] = Path("reports/k8s"),
) -> None:
    """Run the scenarios against the cluster through the gateway's Service (port-forwarded)."""
    from harness.k8s.cluster_run import run_in_cluster
    from harness.k8s.driver import ClusterUnavailable

    try:
        code = run_in_cluster(_settings(None), scenarios or [], report_dir)  # type: ignore[arg-type]
    except ClusterUnavailable as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.add_typer(k8s_app, name="k8s")
