"""``mcp-harness certs DIR [--host EXTRA]... [--force]`` — mTLS material for a deployment, as PEM.

Writes a CA, a server certificate (127.0.0.1, ::1, localhost and any ``--host``) and a client certificate,
all signed by the CA (see :mod:`harness.launch.certs`). Existing files are kept unless ``--force``; an
unwritable directory exits 2 with the reason.

One directory is one mTLS edge. The launcher makes two, each with its own CA, so a certificate of one
edge opens nothing on the other: client → servers (the client presents ``client.pem``) and gateway →
client (``gateway-edge/``: the client app serves ``server.pem``, the gateway presents ``client.pem``).
For a deployment, run ``certs`` once per edge into two directories.
"""

from __future__ import annotations

from pathlib import Path

import typer

from harness.launch.certs import generate_certs

__all__ = ["generate_certs", "register"]


def register(app: typer.Typer) -> None:
    @app.command("certs", help="Write a CA, a server and a client certificate (PEM) for mTLS into DIR.")
    def certs(
        directory: Path = typer.Argument(..., help="Where to write the PEM files."),
        host: list[str] = typer.Option([], "--host", help="Extra server name or IP (repeatable)."),
        force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
    ) -> None:
        try:
            paths = generate_certs(directory, host, force)
        except FileExistsError as exc:
            typer.echo(f"refusing to overwrite existing files (use --force): {exc}", err=True)
            raise typer.Exit(2) from None
        except OSError as exc:
            typer.echo(f"cannot write certificates to {directory}: {exc.strerror or exc}", err=True)
            raise typer.Exit(2) from None
        for path in paths:
            typer.echo(str(path))
