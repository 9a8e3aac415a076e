"""What ``mcp-harness run`` draws: the live list on a terminal and the verdict table, both 80 columns."""

from __future__ import annotations

import io

from rich.console import Console

from harness.commands.run_display import RunDisplay, print_failures, verdict_table
from harness.report import ExpectationResult, RunReport, ScenarioReport


def terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=80, color_system=None), out


def test_the_live_view_shows_the_running_scenario_and_its_step() -> None:
    console, out = terminal()
    display = RunDisplay(console, ["knowledge-down", "retrieval"])
    assert display.live is not None
    display.start("knowledge-down")
    display.step("toxic latency on client-weather")
    console.print(display.render())
    lines = out.getvalue().splitlines()
    assert "knowledge-down" in lines[0] and "toxic latency on client-weather" in lines[0]
    assert lines[1] == "  · retrieval"
    display.finish(ScenarioReport(name="knowledge-down", verdict="pass", duration_s=4.2))
    console.print(display.render())
    assert "  ✓ knowledge-down 4.2s" in out.getvalue()


def test_the_table_fits_80_columns_and_failures_are_told_below_it() -> None:
    long_name = "a-scenario-with-a-rather-long-name-that-goes-on"
    broken = ExpectationResult(
        "weather ends at its deadline", False, "3 calls, 0 ok", "latency 0.95–1.75 s",
        "weather__get_weather ended after 2.530 s, outside 0.95–1.75 s " * 3, "latency on client-weather (3.0–5.0 s)",
    )  # fmt: skip
    report = RunReport(
        title="mcp-harness run",
        scenarios=[
            ScenarioReport(name=long_name, verdict="fail", duration_s=6.5, expectations=[broken]),
            ScenarioReport(name="retrieval", verdict="pass", duration_s=2.0),
        ],
        duration_s=8.5,
    )
    console, out = terminal()
    console.print(verdict_table(report))
    table = out.getvalue()
    assert max(len(line) for line in table.splitlines()) <= 80
    assert "FAILED" in table and "0/1" in table and "1 pass, 1 fail in 8.5 s" in table
    print_failures(console, report)
    details = out.getvalue()[len(table) :]
    assert f"{long_name}: fail" in details and "during latency on client-weather (3.0–5.0 s)" in details
    assert "retrieval" not in details
