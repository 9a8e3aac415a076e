"""What ``mcp-harness run`` shows: a live list of scenarios with the step each is at, then a verdict
table that fits 80 columns, then — for failures only — what was wrong and the services' log tail."""

from __future__ import annotations

import time
from pathlib import Path
from types import TracebackType

from rich.console import Console, Group
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from harness.report import RunReport, ScenarioReport
from harness.scenario.logs import ServiceLogs

STYLE = {"pass": "green", "fail": "red", "error": "yellow", "skip": "dim"}
MARK = {"pass": "✓", "fail": "✗", "error": "!", "skip": "-"}


class RunDisplay:
    """A rich Live view on a terminal; one plain line per scenario elsewhere (CI logs)."""

    def __init__(self, console: Console, names: list[str]) -> None:
        self.console = console
        self.names = names
        self.state: dict[str, tuple[str, str, float]] = {n: ("waiting", "", 0.0) for n in names}
        self.current: str | None = None
        self.started = 0.0
        self.spinner = Spinner("dots")  # one instance: its frame follows the clock across refreshes
        self.live: Live | None = None
        if console.is_terminal:
            self.live = Live(
                console=console, refresh_per_second=8, transient=True, get_renderable=self.render
            )

    def __enter__(self) -> RunDisplay:
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.live is not None:
            self.live.__exit__(exc_type, exc, tb)

    def render(self) -> Group:
        rows: list[Text | Table] = []
        width = max(20, self.console.width)
        for name in self.names:
            status, step, duration = self.state[name]
            line = Text()
            if status == "running":
                elapsed = time.perf_counter() - self.started
                grid = Table.grid(padding=(0, 1))
                grid.add_row(self.spinner, Text(f"{name} {elapsed:5.1f}s  {step}"[: width - 4], style="bold"))
                rows.append(grid)
                continue
            if status == "waiting":
                line.append(f"  · {name}", style="dim")
            else:
                line.append(f"  {MARK[status]} {name} ", style=STYLE[status])
                line.append(f"{duration:.1f}s", style="dim")
            rows.append(line)
        return Group(*rows)

    def start(self, name: str) -> None:
        self.current, self.started = name, time.perf_counter()
        self.state[name] = ("running", "launching", 0.0)
        if self.live is None:
            self.console.print(f"▶ {name}", markup=False, highlight=False)

    def step(self, text: str) -> None:
        if self.current is not None:
            self.state[self.current] = ("running", text, 0.0)

    def finish(self, result: ScenarioReport) -> None:
        self.state[result.name] = (result.verdict, "", result.duration_s)
        if self.live is None:
            self.console.print(
                f"  {result.verdict} {result.name} ({result.duration_s:.1f} s)", markup=False, highlight=False
            )


def verdict_table(report: RunReport) -> Table:
    """scenario · verdict · held · time — at most 80 columns; the reasons go under the table."""
    skipped = report.counts()["skip"]
    if report.nothing_ran:
        verdict = "[yellow]NOTHING RAN[/] (every scenario skipped; reasons below)"
    else:
        verdict = "[green]PASSED[/]" if report.passed else "[red]FAILED[/]"
        verdict += f" ({skipped} skipped)" if skipped else ""
    longest = max((len(s.name) for s in report.scenarios), default=0)
    table = Table(title=f"{report.title}: {verdict}", width=min(80, max(60, longest + 40)))
    table.add_column("scenario", no_wrap=True, overflow="ellipsis", ratio=1)
    table.add_column("verdict", no_wrap=True, width=7)
    table.add_column("held", justify="right", no_wrap=True, width=7)
    table.add_column("time", justify="right", no_wrap=True, width=7)
    for s in report.scenarios:
        held = sum(e.held for e in s.expectations)
        table.add_row(
            s.name,
            f"[{STYLE[s.verdict]}]{s.verdict}[/]",
            f"{held}/{len(s.expectations)}",
            f"{s.duration_s:.1f}s",
        )
    counts = ", ".join(f"{n} {v}" for v, n in report.counts().items() if n)
    table.caption = f"{counts} in {report.duration_s:.1f} s"
    return table


def print_failures(console: Console, report: RunReport, tail_lines: int = 8) -> None:
    for s in report.scenarios:
        if not s.failed and s.verdict != "skip":  # a skipped scenario says why it did not run
            continue
        console.print()
        console.print(Text(f"{s.name}: {s.verdict}", style=f"bold {STYLE[s.verdict]}"))
        if s.error:
            console.print(Text(f"  {s.error}"))
        for e in s.failures():
            console.print(Text(f"  ✗ {e.name}: {e.detail}"))
            console.print(Text(f"    measured {e.measured}; expected {e.expected}", style="dim"))
            if e.window:
                console.print(Text(f"    during {e.window}", style="dim"))
        if s.log:
            lines = ServiceLogs(Path(s.log)).tail(tail_lines)
            if lines:
                console.print(Text(f"  last warnings of {s.log}:", style="dim"))
                for line in lines:
                    console.print(Text(f"    {line[:300]}", style="dim"))
