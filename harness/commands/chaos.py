"""``mcp-harness chaos [NAME...]``: run the fault-experiment library against the embedded deployment.

Launches the reference deployment with the experiments' options (short deadlines, small breaker
thresholds, every edge proxied; a real Toxiproxy when ``MCPH_TOXIPROXY_URL`` is set), runs every
experiment or the named ones, prints a table (experiment, verdict, key measurements, why) and writes
the results as JSON with ``--json``. Exit 0 when every experiment held, 1 when one failed or errored,
2 for an unknown name or an environment that cannot start.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import anyio
import typer
from rich.console import Console
from rich.table import Table

from chaos.experiments import ExperimentResult, Measurement
from chaos.settings import ChaosSettings
from harness.experiments import DESCRIPTIONS, UnknownExperiment, run_library, select
from harness.experiments.deployment import experiment_launch_options
from harness.launch.inprocess import launch

VERDICT_STYLE = {"pass": "green", "fail": "red", "error": "magenta"}
QUIET_LOGGERS = ("client", "servers", "chaos", "mcp", "httpx", "uvicorn")


def format_measurement(value: Measurement) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def results_table(results: list[ExperimentResult]) -> Table:
    table = Table(title="mcp-harness chaos", show_lines=True)
    for column in ("experiment", "verdict", "measurements", "why"):
        table.add_column(column, overflow="fold")
    for r in results:
        measured = "\n".join(f"{k} = {format_measurement(v)}" for k, v in r.measurements.items())
        why = f"[{r.phase.value}] {r.reason}" if r.reason and r.phase else (r.reason or "")
        verdict = f"[{VERDICT_STYLE[r.verdict.value]}]{r.verdict.value}[/] ({r.duration_s:.1f} s)"
        table.add_row(r.name, verdict, measured, why)
    return table


def catalogue_table() -> Table:
    table = Table(title="fault experiments")
    table.add_column("experiment")
    table.add_column("fault and property", overflow="fold")
    for name, doc in DESCRIPTIONS.items():
        table.add_row(name, doc.strip().splitlines()[0].split(": ", 1)[-1])
    return table


@contextmanager
def quiet_services() -> Iterator[None]:
    """Faults make the services log loudly; the table says what matters. Levels are restored after."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


async def run_chosen(names: list[str], toxiproxy_url: str | None) -> list[ExperimentResult]:
    async with launch(experiment_launch_options(toxiproxy_url=toxiproxy_url)) as deployment:
        return await run_library(deployment, names)


def register(app: typer.Typer) -> None:
    @app.command("chaos")
    def chaos(
        names: Annotated[list[str] | None, typer.Argument(help="experiments to run [default: all]")] = None,
        list_: Annotated[bool, typer.Option("--list", help="list the experiments and exit")] = False,
        json_file: Annotated[
            Path | None, typer.Option("--json", help="write the results as JSON here")
        ] = None,
    ) -> None:
        """Run fault experiments (steady state → fault → observe → roll back → recovery) on the deployment."""
        console = Console()
        if list_:
            console.print(catalogue_table())
            return
        try:
            chosen = select(names or [])
        except UnknownExperiment as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        if json_file is not None and not json_file.parent.exists():
            typer.echo(f"error: directory {json_file.parent} does not exist", err=True)
            raise typer.Exit(2)
        try:
            with quiet_services():
                results = anyio.run(run_chosen, chosen, ChaosSettings().toxiproxy_url)
        except Exception as exc:  # the deployment could not start or the proxy API is unreachable
            typer.echo(f"error: cannot run the experiments: {type(exc).__name__}: {exc}", err=True)
            raise typer.Exit(2) from None
        console.print(results_table(results))
        held = sum(r.held for r in results)
        verdict = (
            "[green]every experiment held[/]" if held == len(results) else "[red]an experiment failed[/]"
        )
        console.print(f"{verdict} · {held}/{len(results)} held")
        if json_file is not None:
            json_file.write_text(json.dumps([r.as_json() for r in results], indent=2) + "\n")
            console.print(f"results written to {json_file}")
        raise typer.Exit(0 if held == len(results) else 1)
