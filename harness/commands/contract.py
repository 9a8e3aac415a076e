"""`mcp-harness contract TARGET`: prove an MCP server (URL or stdio command) against the spec.

Prints a table (check, version, severity, verdict, why) and the run time; writes JUnit XML and JSON
on request. Exit 0 when every MUST held, 1 when a MUST failed, 2 when the target cannot be reached
or the arguments are unusable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import anyio
import typer
from rich.console import Console
from rich.table import Table

from harness.contract.registry import all_checks
from harness.contract.results import ContractReport, write_json, write_junit
from harness.contract.runner import run_contract, versions_from_option
from harness.contract.settings import ContractSettings
from harness.contract.target import ContractError, Target

VERDICT_STYLE = {"pass": "green", "fail": "red", "skip": "dim", "error": "magenta"}


def render_report(report: ContractReport, console: Console) -> None:
    table = Table(title=f"MCP contract · {report.target} ({report.transport})", show_lines=False)
    for column in ("check", "version", "severity", "verdict", "why"):
        table.add_column(column, overflow="fold")
    for r in report.results:
        style = VERDICT_STYLE[r.verdict.value]
        if r.verdict.value == "fail" and r.severity == "SHOULD":
            style = "yellow"
        table.add_row(r.check_id, r.version, r.severity, f"[{style}]{r.verdict.value}[/]", r.why)
    console.print(table)
    counts = report.counts()
    verdict = "[green]all MUSTs held[/]" if report.passed else "[red]a MUST failed[/]"
    console.print(
        f"{verdict} · {counts['pass']} passed, {counts['fail']} failed, {counts['error']} errors, "
        f"{counts['skip']} skipped · {report.duration_s:.1f} s"
    )


def render_catalogue(console: Console) -> None:
    table = Table(title="MCP contract checks")
    for column in ("check", "severity", "versions", "transports", "clause"):
        table.add_column(column, overflow="fold")
    for c in all_checks():
        table.add_row(c.id, c.severity, ", ".join(c.versions), ", ".join(c.transports), c.clause)
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command(
        "contract", help="Prove an MCP server against the spec (HTTP URL, or a command with --stdio)."
    )
    def contract(
        target: Annotated[
            str | None, typer.Argument(help="URL of the MCP endpoint, or a command with --stdio")
        ] = None,
        stdio: Annotated[bool, typer.Option("--stdio", help="TARGET is a command to spawn (stdio)")] = False,
        protocol: Annotated[str, typer.Option(help="2026-07-28 | 2025-11-25 | all")] = "all",
        junit: Annotated[Path | None, typer.Option(help="write JUnit XML here")] = None,
        json_path: Annotated[Path | None, typer.Option("--json", help="write JSON results here")] = None,
        check: Annotated[
            list[str] | None, typer.Option("--check", help="only checks with this id/prefix")
        ] = None,
        long_tool: Annotated[str | None, typer.Option(help="a slow tool to cancel (NAME)")] = None,
        long_tool_args: Annotated[str, typer.Option(help="its arguments as JSON")] = "{}",
        seed: Annotated[int, typer.Option(help="fuzzing seed")] = ContractSettings().fuzz_seed,
        examples: Annotated[int, typer.Option(help="fuzz examples per tool, valid and invalid each")] = 20,
        skip_tool: Annotated[list[str] | None, typer.Option(help="never call this tool")] = None,
        list_checks: Annotated[bool, typer.Option("--list", help="list the checks and exit")] = False,
    ) -> None:
        console = Console()
        if list_checks:
            render_catalogue(console)
            return
        try:
            if target is None:
                raise ContractError("TARGET is required (a URL, or a command with --stdio)")
            parsed = Target.parse(target, stdio=stdio)
            versions = versions_from_option(protocol)
            settings = ContractSettings(
                long_tool=long_tool,
                long_tool_arguments=json.loads(long_tool_args),
                fuzz_seed=seed,
                fuzz_valid_examples=examples,
                fuzz_invalid_examples=examples,
                skip_tools=tuple(skip_tool or ()),
            )
            report = anyio.run(lambda: run_contract(parsed, versions, settings, only=check))
        except (ContractError, ValueError, KeyError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            typer.echo(f"mcp-harness contract: {message}", err=True)
            raise typer.Exit(2) from None
        render_report(report, console)
        if junit is not None:
            write_junit(report, junit)
        if json_path is not None:
            write_json(report, json_path)
        raise typer.Exit(report.exit_code)
