"""``mcp-harness chaos`` as a user runs it: the catalogue, a run with a JSON report, and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from chaos.experiments import ExperimentResult, Phase, Verdict
from harness.commands import chaos
from harness.experiments import LIBRARY


def chaos_app() -> typer.Typer:
    app = typer.Typer()
    chaos.register(app)

    @app.command("other")  # a second command keeps typer from collapsing the app into "chaos" alone
    def other() -> None: ...

    return app


def test_list_shows_every_experiment() -> None:
    result = CliRunner().invoke(chaos_app(), ["chaos", "--list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in LIBRARY:
        assert name in result.output


def test_an_unknown_name_is_a_usage_error() -> None:
    result = CliRunner().invoke(chaos_app(), ["chaos", "knowledge-down", "no-such-experiment"])
    assert result.exit_code == 2
    assert "unknown experiment(s) no-such-experiment" in result.output


def test_a_missing_report_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(chaos_app(), ["chaos", "--json", str(tmp_path / "nope" / "r.json")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_running_one_experiment_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    report = tmp_path / "chaos.json"
    result = CliRunner().invoke(
        chaos_app(), ["chaos", "weather-api-down", "--json", str(report)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "weather-api-down" in result.output and "1/1 held" in result.output
    (entry,) = json.loads(report.read_text())
    assert entry["name"] == "weather-api-down" and entry["verdict"] == "pass"
    assert entry["measurements"]["health_during_fault"] == "degraded"


def test_a_failed_experiment_exits_1_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    failed = ExperimentResult(
        name="knowledge-down",
        verdict=Verdict.FAIL,
        measurements={"failures_before_open": 8},
        reason="no call was rejected by the breaker after 8 failures",
        phase=Phase.OBSERVE,
        injected=True,
        rolled_back=True,
        duration_s=1.5,
    )

    async def fake_run(names: list[str], toxiproxy_url: str | None) -> list[ExperimentResult]:
        assert names == ["knowledge-down"]
        return [failed]

    monkeypatch.setattr(chaos, "run_chosen", fake_run)
    result = CliRunner().invoke(chaos_app(), ["chaos", "knowledge-down"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "no call was rejected by the breaker" in result.output and "0/1 held" in result.output


def test_an_environment_that_cannot_start_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken_run(names: list[str], toxiproxy_url: str | None) -> list[ExperimentResult]:
        raise OSError("address already in use")

    monkeypatch.setattr(chaos, "run_chosen", broken_run)
    result = CliRunner().invoke(chaos_app(), ["chaos"])
    assert result.exit_code == 2
    assert "cannot run the experiments: OSError: address already in use" in result.output
