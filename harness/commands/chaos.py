"""``mcp-harness chaos [NAME…]``: the fault scenarios alone — a thin alias of ``mcp-harness run``.

A fault scenario is one whose timeline injects a fault (a toxic, a disabled proxy, a pod fault).
``--list`` shows them with their description; ``--json`` writes the run's report.json there too.
Exit codes as ``run``: 0 every scenario held, 1 one failed, 2 an unknown name or a bad file.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import anyio
import typer
from rich.console import Console
from rich.table import Table

from harness.commands.run import run_all
from harness.commands.run_display import RunDisplay, print_failures, verdict_table
from harness.report import write_all
from harness.scenario.catalogue import UnknownScenario, choose, has_faults, load_all
from harness.scenario.loader import ScenarioFileError
from harness.scenario.logs import quiet_services  # the load command keeps its services quiet with it

__all__ = ["quiet_services", "register"]


def register(app: typer.Typer) -> None:
    @app.command("chaos")
    def chaos(
        names: Annotated[
            list[str] | None, typer.Argument(help="fault scenarios to run [default: all]")
        ] = None,
        list_: Annotated[bool, typer.Option("--list", help="list the fault scenarios and exit")] = False,
        json_file: Annotated[Path | None, typer.Option("--json", help="write report.json here")] = None,
    ) -> None:
        """Run the fault scenarios (steady state → fault → observe → undo → recovery)."""
        console = Console()
        try:
            chosen = [(p, s) for p, s in load_all(choose(names or [])) if names or has_faults(s)]
        except (UnknownScenario, ScenarioFileError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        if list_:
            table = Table(title="fault scenarios")
            table.add_column("scenario", no_wrap=True)
            table.add_column("fault and property")
            for _, scenario in chosen:
                table.add_row(scenario.name, scenario.description.strip())
            console.print(table)
            return
        if json_file is not None and not json_file.parent.is_dir():
            typer.echo(f"error: directory {json_file.parent} does not exist", err=True)
            raise typer.Exit(2)
        report_dir = Path(tempfile.mkdtemp(prefix="mcp-harness-chaos-"))
        with RunDisplay(console, [s.name for _, s in chosen]) as display:
            report = anyio.run(run_all, chosen, report_dir, display, None)
        console.print(verdict_table(report))
        print_failures(console, report)
        paths = write_all(report, report_dir)
        if json_file is not None:
            shutil.copyfile(paths[0], json_file)
            console.print(f"report written to {json_file}", markup=False, highlight=False, soft_wrap=True)
        console.print(f"logs and report: {report_dir}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(report.exit_code)
