"""``mcp-harness load``: the reference workload through a gateway, with SLO gates, faults and a wallet check.

Without ``--target`` the embedded deployment is launched here (its gateway's rate limit lifted: a load
run measures capacity, not the limiter). Locust runs in child processes (gevent must not patch this
asyncio process): standalone, or a master and ``--workers`` workers. A ``--faults`` timeline is applied
through the Toxiproxy API while it runs. Afterwards: per-tool stats, per fault window, every objective
judged on the raw samples, and — when the target has the wallet's ``audit`` — the money check.
Exit 0 when every objective held and the wallet is intact, 1 otherwise, 2 for bad options or an
unreachable target.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from harness.commands.load_run import LoadOutcome, LoadRequest, LoadSetupError, run_load
from load.durations import BadDuration, parse_duration
from load.faults_timeline import BadTimeline, load_timeline
from load.slo import DEFAULT_SLO, SloSyntaxError, parse_slos
from load.summary import WIDTH, results_table, slo_table, wallet_line, windows_table


@dataclass
class Verdicts:
    held: bool = True
    reasons: list[str] = field(default_factory=list)


def verdicts(outcome: LoadOutcome) -> Verdicts:
    result = Verdicts()
    for verdict in outcome.verdicts:
        if not verdict.held:
            result.held = False
            result.reasons.append(f"objective failed: {verdict.describe()}")
    if outcome.wallet is not None and not outcome.wallet.ok:
        result.held = False
        result.reasons.append("the wallet lost or duplicated money")
    return result


def print_outcome(outcome: LoadOutcome, console: Console) -> Verdicts:
    console.print(results_table(outcome.stats))
    if outcome.per_window:
        console.print(windows_table(outcome.per_window, outcome.origin))
    for step in outcome.applied:
        if step.error:
            console.print(f"[red]fault step {step.label!r} failed[/]: {step.error}")
    console.print(slo_table(outcome.verdicts))
    if outcome.wallet is not None:
        console.print(wallet_line(outcome.wallet))
    judged = verdicts(outcome)
    for reason in judged.reasons:
        console.print(f"[red]{reason}[/]")
    console.print("[green]load run passed[/]" if judged.held else "[red]load run failed[/]")
    return judged


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def register(app: typer.Typer) -> None:
    @app.command("load")
    def load(
        target: Annotated[
            str | None, typer.Option(help="MCP endpoint URL (none: launch the embedded deployment)")
        ] = None,
        users: Annotated[int, typer.Option(min=1, help="concurrent simulated agents")] = 10,
        spawn_rate: Annotated[float, typer.Option(min=0.1, help="users started per second")] = 10.0,
        run_time: Annotated[str, typer.Option(help="how long the load runs (20s, 1m30s)")] = "30s",
        slo: Annotated[
            str, typer.Option(help="objectives: (tool:)metric<value, comma-separated")
        ] = DEFAULT_SLO,
        workers: Annotated[int, typer.Option(min=0, help="Locust worker processes (0: one process)")] = 0,
        faults: Annotated[
            Path | None, typer.Option(help="YAML timeline of toxics applied during the run")
        ] = None,
        report: Annotated[
            Path | None, typer.Option(help="write Locust's CSV/HTML and summary.json here")
        ] = None,
        api_key: Annotated[str | None, typer.Option(help="API key for --target (X-API-Key)")] = None,
        bearer: Annotated[str | None, typer.Option(help="bearer token for --target")] = None,
        protocol: Annotated[str, typer.Option(help="2026-07-28 or 2025-11-25")] = "2026-07-28",
        proxy_api: Annotated[
            str | None, typer.Option(help="Toxiproxy API of --target's proxies (for --faults)")
        ] = None,
    ) -> None:
        """Run the reference workload with Locust, judge SLOs (overall and per tool), check the wallet."""
        console = Console(width=WIDTH) if not Console().is_terminal else Console()
        try:
            objectives = parse_slos(slo)
            run_time_s = parse_duration(run_time)
            timeline = load_timeline(faults) if faults is not None else None
        except (SloSyntaxError, BadDuration, BadTimeline) as exc:
            raise fail(str(exc)) from None
        if run_time_s < 1:
            raise fail("--run-time must be at least 1s")
        if protocol not in ("2026-07-28", "2025-11-25"):
            raise fail(f"--protocol must be 2026-07-28 or 2025-11-25, not {protocol!r}")
        if timeline is not None and target is not None and proxy_api is None:
            raise fail("--faults with --target needs --proxy-api (the Toxiproxy API of the target's proxies)")
        if report is not None and not report.parent.exists():
            raise fail(f"directory {report.parent} does not exist")
        report_dir = report or Path(tempfile.mkdtemp(prefix="mcp-harness-load-"))
        report_dir.mkdir(exist_ok=True)
        request = LoadRequest(
            target=target,
            users=users,
            spawn_rate=spawn_rate,
            run_time_s=run_time_s,
            workers=workers,
            objectives=objectives,
            timeline=timeline,
            report_dir=report_dir,
            api_key=api_key,
            bearer=bearer,
            protocol=protocol,
            proxy_api=proxy_api,
            run_id=f"load-{secrets.token_hex(3)}",
        )
        try:
            outcome = run_load(request, console)
        except LoadSetupError as exc:
            raise fail(str(exc)) from None
        finally:
            if report is None:
                shutil.rmtree(report_dir, ignore_errors=True)
        judged = print_outcome(outcome, console)
        if report is not None:
            console.print(f"reports written to {report} (locust.html, locust_*.csv, summary.json)")
        raise typer.Exit(0 if judged.held else 1)
