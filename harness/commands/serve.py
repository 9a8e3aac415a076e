"""``mcp-harness serve NAME``: run one reference server over stdio or Streamable HTTP."""

from __future__ import annotations

import sys
from typing import Annotated

import anyio
import typer

from servers.common.asgi_serving import Listening
from servers.common.errors import ServerSetupError
from servers.common.settings import Transport


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        name: Annotated[str, typer.Argument(help="weather | wallet | knowledge")],
        transport: Annotated[str, typer.Option(help="stdio | http")] = "stdio",
        host: Annotated[str | None, typer.Option(help="HTTP bind address")] = None,
        port: Annotated[int | None, typer.Option(help="HTTP port (0 = any free port)")] = None,
    ) -> None:
        """Run one server; settings come from MCPH_<NAME>_* environment variables."""
        from servers.registry import UnknownServer, server_spec

        try:
            spec = server_spec(name)
        except UnknownServer as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        if transport not in ("stdio", "http"):
            typer.echo(f"error: unknown transport {transport!r}; choose stdio or http", err=True)
            raise typer.Exit(2)
        overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
        try:
            settings = spec.load_settings(**overrides)
        except Exception as exc:  # pydantic ValidationError from env or options
            typer.echo(f"error: invalid settings for {name}: {exc}", err=True)
            raise typer.Exit(2) from exc

        def announce(listening: Listening) -> None:
            print(f"{name} serving MCP at {listening.base_url}{settings.path}", file=sys.stderr, flush=True)

        chosen: Transport = "http" if transport == "http" else "stdio"
        from servers.common.runner import run_server

        try:
            anyio.run(run_server, spec, settings, chosen, announce)
        except KeyboardInterrupt:
            pass
        except (OSError, ServerSetupError) as exc:
            typer.echo(f"error: cannot serve {name}: {exc}", err=True)
            raise typer.Exit(2) from exc
