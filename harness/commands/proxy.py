"""`mcp-harness proxy` — not built yet; see the issue that introduces it."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("proxy", help="(not built yet)")
    def proxy() -> None:
        typer.echo("mcp-harness proxy is not built yet", err=True)
        raise typer.Exit(2)
