"""`mcp-harness load` — not built yet; see the issue that introduces it."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("load", help="(not built yet)")
    def load() -> None:
        typer.echo("mcp-harness load is not built yet", err=True)
        raise typer.Exit(2)
