"""`mcp-harness up` — not built yet; see the issue that introduces it."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("up", help="(not built yet)")
    def up() -> None:
        typer.echo("mcp-harness up is not built yet", err=True)
        raise typer.Exit(2)
