"""`mcp-harness certs` — not built yet; see the issue that introduces it."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("certs", help="(not built yet)")
    def certs() -> None:
        typer.echo("mcp-harness certs is not built yet", err=True)
        raise typer.Exit(2)
