"""How a contract run and the check catalogue are shown: rich tables, or Markdown for the README
(``contract --list --format markdown`` prints the table the README carries, so it cannot drift)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.contract.registry import Check, all_checks
from harness.contract.results import ContractReport

VERDICT_STYLE = {"pass": "green", "fail": "red", "skip": "dim", "error": "magenta", "not run": "dim"}


def render_report(report: ContractReport, console: Console) -> None:
    """One table per protocol version, so a row keeps its check id whole on an 80-column terminal."""
    id_width = max((len(r.check_id) for r in report.results), default=5)
    for version in report.versions:
        rows = [r for r in report.results if r.version == version]
        if not rows:
            continue
        table = Table(title=f"MCP contract · {report.target} ({report.transport}) · {version}")
        table.add_column("check", no_wrap=True, min_width=min(id_width, 34), overflow="ellipsis")
        table.add_column("sev", no_wrap=True)
        table.add_column("verdict", no_wrap=True)
        table.add_column("why", overflow="fold", ratio=1)
        for r in rows:
            style = VERDICT_STYLE[r.verdict.value]
            if r.verdict.value == "fail" and r.severity == "SHOULD":
                style = "yellow"
            table.add_row(r.check_id, r.severity, Text(r.verdict.value, style=style), Text(r.why))
        console.print(table)
    counts = report.counts()
    verdict = "[green]all MUSTs held[/]" if report.passed else "[red]a MUST failed[/]"
    console.print(
        f"{verdict} · {counts['pass']} passed, {counts['fail']} failed, {counts['error']} errors, "
        f"{counts['skip']} skipped, {counts['not run']} not run · {report.duration_s:.1f} s"
    )


def markdown_catalogue(checks: list[Check]) -> str:
    """The check table as Markdown, one row per check (pipes in clauses escaped)."""
    lines = [
        f"{len(checks)} checks:",
        "",
        "| check | severity | versions | transports | spec clause |",
        "|---|---|---|---|---|",
    ]
    for c in checks:
        clause = c.clause.replace("|", "\\|")
        lines.append(
            f"| `{c.id}` | {c.severity} | {', '.join(c.versions)} | {', '.join(c.transports)} | {clause} |"
        )
    return "\n".join(lines) + "\n"


def render_catalogue(console: Console, list_format: str = "table") -> None:
    if list_format == "markdown":
        print(markdown_catalogue(all_checks()), end="")
        return
    table = Table(title="MCP contract checks")
    for column in ("check", "severity", "versions", "transports", "clause"):
        table.add_column(column, overflow="fold")
    for c in all_checks():
        table.add_row(c.id, c.severity, ", ".join(c.versions), ", ".join(c.transports), c.clause)
    console.print(table)
