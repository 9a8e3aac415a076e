"""`mcp-harness contract TARGET`: prove an MCP server (URL or stdio command) against the spec.

Says first what will be called (unannotated tools are fuzzed: use a disposable instance), prints a
table (check, version, severity, verdict, why) and the run time; writes JUnit XML and JSON on
request. Exit 0 when every MUST held, 1 when a MUST failed (a target that died included; with
``--fail-on should`` also when a SHOULD failed), 2 when
the target was never reachable or the arguments are unusable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import anyio
import typer
from rich.console import Console

from harness.commands.contract_render import render_catalogue, render_report
from harness.contract.results import write_json, write_junit
from harness.contract.run_options import RunOptions
from harness.contract.runner import run_contract, versions_from_option
from harness.contract.target import ContractError
from harness.contract.tool_selection import safety_notice

Many = list[str] | None


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
        header: Annotated[
            Many, typer.Option(help="'Name: value' sent with every request (${ENV} expanded; never printed)")
        ] = None,
        ca: Annotated[str | None, typer.Option(help="CA bundle to trust (PEM)")] = None,
        cert: Annotated[str | None, typer.Option(help="client certificate for mTLS (PEM)")] = None,
        key: Annotated[str | None, typer.Option(help="client key for mTLS (PEM)")] = None,
        junit: Annotated[Path | None, typer.Option(help="write JUnit XML here")] = None,
        json_path: Annotated[Path | None, typer.Option("--json", help="write JSON results here")] = None,
        check: Annotated[Many, typer.Option("--check", help="only checks with this id/prefix")] = None,
        example: Annotated[
            Many, typer.Option(help="a known-good call 'tool={json}', or @file (repeatable)")
        ] = None,
        skip_tool: Annotated[Many, typer.Option(help="never call this tool (name or glob)")] = None,
        only_tool: Annotated[Many, typer.Option(help="call only these tools (name or glob)")] = None,
        allow_destructive: Annotated[
            bool, typer.Option(help="also call tools annotated destructiveHint: true")
        ] = False,
        read_only_only: Annotated[
            bool, typer.Option(help="call only tools annotated readOnlyHint: true")
        ] = False,
        call_timeout: Annotated[
            float | None, typer.Option(help="seconds of silence before a call is a hang (progress resets it)")
        ] = None,
        restart_cmd: Annotated[
            str | None, typer.Option(help="HTTP: shell command that restarts the target after it dies")
        ] = None,
        sandbox_dir: Annotated[
            str | None, typer.Option(help="stdio: run in a throw-away copy of this directory")
        ] = None,
        long_tool: Annotated[str | None, typer.Option(help="a slow tool to cancel (NAME)")] = None,
        long_tool_args: Annotated[str, typer.Option(help="its arguments as JSON")] = "{}",
        seed: Annotated[int | None, typer.Option(help="fuzzing seed")] = None,
        examples: Annotated[int, typer.Option(help="fuzz examples per tool, valid and invalid each")] = 20,
        fail_on: Annotated[
            str, typer.Option(help="must: only MUST failures exit 1 | should: SHOULD findings too")
        ] = "must",
        list_checks: Annotated[bool, typer.Option("--list", help="list the checks and exit")] = False,
        list_format: Annotated[str, typer.Option("--format", help="--list as: table | markdown")] = "table",
    ) -> None:
        console = Console()
        if list_checks:
            if list_format not in ("table", "markdown"):
                typer.echo("mcp-harness contract: --format is table or markdown", err=True)
                raise typer.Exit(2)
            render_catalogue(console, list_format)
            return
        if fail_on not in ("must", "should"):
            typer.echo("mcp-harness contract: --fail-on is must or should", err=True)
            raise typer.Exit(2)
        try:
            if target is None:
                raise ContractError("TARGET is required (a URL, or a command with --stdio)")
            options = RunOptions(
                target,
                stdio=stdio,
                headers=list(header or []),
                ca=ca,
                cert=cert,
                key=key,
                examples=list(example or []),
                skip_tools=list(skip_tool or []),
                only_tools=list(only_tool or []),
                allow_destructive=allow_destructive,
                read_only_only=read_only_only,
                call_timeout_s=call_timeout,
                restart_cmd=restart_cmd,
                sandbox_dir=sandbox_dir,
                long_tool=long_tool,
                long_tool_args=long_tool_args,
                seed=seed,
                fuzz_examples=examples,
            )
            parsed, settings = options.build()
            versions = versions_from_option(protocol)
            typer.echo(safety_notice(settings), err=True)
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
        code = report.exit_code_for(fail_on)
        if code and report.passed:
            console.print(f"--fail-on should: {len(report.should_findings)} SHOULD finding(s) fail the run")
        raise typer.Exit(code)
