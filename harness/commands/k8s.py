"""`mcp-harness k8s` — not built yet; see the issue that introduces it."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("k8s", help="(not built yet)")
    def k8s() -> None:
        typer.echo("mcp-harness k8s is not built yet", err=True)
        raise typer.Exit(2)
