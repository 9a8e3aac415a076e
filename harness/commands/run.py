"""`mcp-harness run` — not built yet; see the issue that introduces it."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("run", help="(not built yet)")
    def run() -> None:
        typer.echo("mcp-harness run is not built yet", err=True)
        raise typer.Exit(2)
