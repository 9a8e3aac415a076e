"""``mcp-harness run``: the main job — launch the embedded deployment and prove it; reports on request."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import anyio
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.mainjob import SUITES, MainJobOptions, run_main_job
from harness.report import Outcome, RunReport, write_all

STYLE = {"pass": "green", "fail": "red", "error": "yellow", "skip": "dim"}


def summary_table(report: RunReport) -> Table:
    table = Table(title=f"{report.title}: {'PASSED' if report.passed else 'FAILED'}")
    for column in ("suite", "check", "verdict", "time", "detail"):
        table.add_column(column, overflow="fold")
    for o in report.outcomes:
        table.add_row(
            o.suite, o.name, f"[{STYLE[o.verdict]}]{o.verdict}[/]", f"{o.duration_s:.1f}s", o.detail
        )
    return table


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        report_dir: Annotated[
            Path | None, typer.Option("--report", help="write report.json, junit.xml and report.html here")
        ] = None,
        suite: Annotated[
            list[str] | None, typer.Option("--suite", help=f"run only these suites: {', '.join(SUITES)}")
        ] = None,
        seed: Annotated[int, typer.Option(help="seed of every random choice of the job")] = 20261125,
    ) -> None:
        """The main job: launch the embedded deployment on loopback and run every suite against it."""
        console = Console()
        chosen = list(suite or SUITES)
        unknown = sorted(set(chosen) - set(SUITES))
        if unknown:
            typer.echo(
                f"error: unknown suite(s) {', '.join(unknown)}; choose from {', '.join(SUITES)}", err=True
            )
            raise typer.Exit(2)

        def show(outcome: Outcome) -> None:
            console.print(
                f"[{STYLE[outcome.verdict]}]{outcome.verdict:>5}[/] {escape(outcome.suite)} · "
                f"{escape(outcome.name)} ({outcome.duration_s:.1f}s)"
            )

        report = anyio.run(run_main_job, MainJobOptions(suites=chosen, seed=seed), show)
        console.print(summary_table(report))
        if report_dir is not None:
            for path in write_all(report, report_dir):
                console.print(f"wrote {path}")
        raise typer.Exit(report.exit_code)
