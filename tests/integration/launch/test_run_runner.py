"""``mcp-harness run --runner process|inprocess`` overrides every scenario's own ``runner:`` choice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )


def test_an_unknown_runner_is_exit_2_with_the_choices(tmp_path: Path) -> None:
    result = cli("run", "weather-api-down", "--runner", "docker", "--report", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--runner must be one of process, inprocess, not 'docker'" in result.stderr
    assert not (tmp_path / "report.json").exists()


@pytest.mark.slow
def test_an_inprocess_scenario_runs_on_processes_when_asked(tmp_path: Path) -> None:
    result = cli("run", "weather-api-down", "--runner", "process", "--report", str(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (scenario,) = json.loads((tmp_path / "report.json").read_text())["scenarios"]
    assert scenario["verdict"] == "pass"
    pods = tmp_path / "logs" / "weather-api-down-pods"  # only the process runner has pods and their logs
    assert {"gateway.log", "client.log", "weather.log", "proxy.log"} <= {p.name for p in pods.iterdir()}
