"""``mcp-harness run [SCENARIO…] [--report DIR]``: the main job — every scenario, a live display, a report.

Scenarios run one after another, each on its own deployment. The services' logs go to one file per
scenario under the report directory (``logs/NAME.log``), not to the console; a failed scenario's
relevant tail is printed under the verdict table, which fits 80 columns.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import anyio
import typer
from rich.console import Console

from harness.commands.run_display import RunDisplay, print_failures, verdict_table
from harness.report import RunReport, write_all
from harness.scenario.catalogue import UnknownScenario, choose, load_all
from harness.scenario.loader import ScenarioFileError
from harness.scenario.logs import ServiceLogs
from harness.scenario.model import Scenario
from harness.scenario.runner import run_scenario

RUNNERS = ("process", "inprocess")


async def run_all(
    chosen: list[tuple[Path, Scenario]],
    report_dir: Path,
    display: RunDisplay,
    seed: int | None,
    runner: str | None = None,
) -> RunReport:
    report = RunReport(title="mcp-harness run")
    started = time.perf_counter()
    for path, scenario in chosen:
        if seed is not None:
            scenario = scenario.model_copy(update={"seed": seed})
        if runner is not None:
            topology = scenario.topology.model_copy(update={"runner": runner})
            scenario = scenario.model_copy(update={"topology": topology})
        display.start(scenario.name)
        with ServiceLogs(report_dir / "logs" / f"{scenario.name}.log") as logs:
            pod_logs = report_dir / "logs" / f"{scenario.name}-pods"
            result = await run_scenario(scenario, source=path, on_step=display.step, pod_logs=pod_logs)
        result.log = str(logs.path)
        display.finish(result)
        report.scenarios.append(result)
    report.duration_s = time.perf_counter() - started
    return report


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        scenarios: Annotated[
            list[str] | None, typer.Argument(help="scenario names or YAML files [default: all in scenarios/]")
        ] = None,
        report_dir: Annotated[
            Path, typer.Option("--report", help="report.html, report.json, junit.xml and logs/ go here")
        ] = Path("reports/run"),
        seed: Annotated[int | None, typer.Option(help="override every scenario's seed")] = None,
        list_: Annotated[bool, typer.Option("--list", help="list the scenarios and exit")] = False,
        runner: Annotated[
            str | None,
            typer.Option(
                help="process | inprocess | netns: override every scenario's runner (pod faults need process)"
            ),
        ] = None,
    ) -> None:
        """The main job: run scenarios (topology → timeline → expectations) and write the report."""
        console = Console()
        if runner is not None and runner not in RUNNERS:
            typer.echo(f"error: --runner must be one of {', '.join(RUNNERS)}, not {runner!r}", err=True)
            raise typer.Exit(2)
        try:
            chosen = load_all(choose(scenarios or []))
        except UnknownScenario as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except ScenarioFileError as exc:
            typer.echo(f"error: invalid scenario file:\n{exc}", err=True)
            raise typer.Exit(2) from None
        if not chosen:
            typer.echo("error: no scenario found (looked in ./scenarios)", err=True)
            raise typer.Exit(2)
        if list_:
            for path, scenario in chosen:
                console.print(f"{scenario.name:<32} {path}", markup=False, highlight=False)
            return
        try:
            report_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            typer.echo(f"error: cannot create the report directory {report_dir}: {exc}", err=True)
            raise typer.Exit(2) from None
        with RunDisplay(console, [s.name for _, s in chosen]) as display:
            report = anyio.run(run_all, chosen, report_dir, display, seed, runner)
        console.print(verdict_table(report))
        print_failures(console, report)
        for path in write_all(report, report_dir):
            if path.suffix == ".html":
                console.print(f"report: {path}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(report.exit_code)
