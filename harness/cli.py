"""``mcp-harness``: the command line. Each command lives in its own module under harness.commands.

Exit codes: 0 all held, 1 a check/SLO/scenario failed, 2 usage or environment error.
"""

from __future__ import annotations

import importlib

import typer

COMMAND_MODULES = ("serve", "up", "run", "contract", "proxy", "chaos", "certs", "load", "fault", "k8s")


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="mcp-harness",
        help="Test harness and simulation suite for MCP deployments.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"harness.commands.{name}")
        module.register(app)
    return app


def main() -> None:
    build_app()()


if __name__ == "__main__":
    main()
