"""`mcp-harness contract` — not built yet; see the issue that introduces it."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("contract", help="(not built yet)")
    def contract() -> None:
        typer.echo("mcp-harness contract is not built yet", err=True)
        raise typer.Exit(2)
