"""A netns scenario where namespaces cannot be made is skipped with the reason — never a pass, never a
traceback — and a netns topology with fault proxies is refused when the file is loaded, with its line."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from rich.console import Console

import harness.launch.netns
from harness.commands.run_display import print_failures, verdict_table
from harness.report import RunReport, ScenarioReport
from harness.scenario import load_scenario, run_scenario
from harness.scenario.loader import ScenarioFileError

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def test_without_root_the_isolation_scenario_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        harness.launch.netns, "netns_unavailable_reason", lambda: "network namespaces need root"
    )
    scenario = load_scenario(SCENARIOS / "isolation.yaml")

    async def go() -> ScenarioReport:
        with anyio.fail_after(10):
            return await run_scenario(scenario)

    report = anyio.run(go)
    assert report.verdict == "skip" and not report.expectations
    assert report.error == "the netns runner cannot run here: network namespaces need root"
    run = RunReport("run", [report])
    assert run.nothing_ran and not run.passed and run.exit_code == 2  # a skip proves nothing
    console = Console(width=80, record=True)
    console.print(verdict_table(run))
    assert "NOTHING RAN" in console.export_text(clear=False)
    print_failures(console, run)
    assert (
        "isolation: skip\n  the netns runner cannot run here: network namespaces need root"
        in console.export_text()
    )


def test_a_netns_topology_with_fault_proxies_is_an_invalid_file(tmp_path: Path) -> None:
    source = (SCENARIOS / "isolation.yaml").read_text().replace("proxied: false", "proxied: true")
    path = tmp_path / "proxied.yaml"
    path.write_text(source)
    with pytest.raises(ScenarioFileError) as raised:
        load_scenario(path)
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "runner: netns" in text)
    where = f"proxied.yaml:{line}: topology: runner netns puts a firewall, not a fault proxy"
    assert any(where in p and "set proxied: false" in p for p in raised.value.problems), raised.value.problems


def test_a_run_with_some_scenarios_skipped_passes_on_the_others_and_says_so() -> None:
    ran = ScenarioReport(name="deployment", verdict="pass")
    skipped = ScenarioReport(name="isolation", verdict="skip", error="no root")
    run = RunReport("run", [ran, skipped])
    assert run.passed and run.exit_code == 0 and not run.nothing_ran
    console = Console(width=80, record=True)
    console.print(verdict_table(run))
    assert "PASSED (1 skipped)" in console.export_text()
