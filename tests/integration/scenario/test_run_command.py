"""``mcp-harness run`` as CI runs it: the verdict table fits 80 columns, the services' logs go to files,
only a failure's details reach the console, reports are written, exit codes say what happened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

RUN = [sys.executable, "-m", "harness.cli"]
ROOT = Path(__file__).resolve().parents[3]

BROKEN = """name: weather-claims-down
timeout: 60s
steps:
  - toxic: {proxy: client-weather, type: latency, name: slow, attributes: {latency: 20}}
  - call: {tool: weather__health, as: health}
expect:
  - title: health says down
    calls: {of: health, structured: {status: down}}
"""


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}
    return subprocess.run([*RUN, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)


def test_a_passing_run_prints_a_narrow_table_and_writes_reports_and_logs(tmp_path: Path) -> None:
    result = cli("run", "weather-api-down", "--report", str(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "WARNING" not in out + result.stderr, "service logs reached the console"
    table = [line for line in out.splitlines() if not line.startswith("report: ")]  # a path is a path
    assert max(len(line) for line in table) <= 80, out
    assert "mcp-harness run: PASSED" in out and "weather-api-down" in out and "6/6" in out
    assert f"report: {tmp_path / 'report.html'}" in out
    report = json.loads((tmp_path / "report.json").read_text())
    (scenario,) = report["scenarios"]
    assert scenario["verdict"] == "pass" and scenario["windows"][0]["target"] == "weather-api"
    log = tmp_path / "logs" / "weather-api-down.log"
    assert scenario["log"] == str(log) and " INFO " in log.read_text()
    assert (tmp_path / "junit.xml").exists() and "<svg" in (tmp_path / "report.html").read_text()


def test_a_failing_run_exits_1_and_says_why_under_the_table(tmp_path: Path) -> None:
    scenario = tmp_path / "broken.yaml"
    scenario.write_text(BROKEN)
    result = cli("run", str(scenario), "--report", str(tmp_path / "report"))
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    table_end = out.index("1 fail in")
    details = out[table_end:]
    assert "weather-claims-down: fail" in details and "✗ health says down: answer" in details
    assert "during latency on client-weather" in details
    assert max(len(line) for line in out[:table_end].splitlines()) <= 80


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    unknown = cli("run", "no-such-scenario")
    assert unknown.returncode == 2 and "unknown scenario(s) no-such-scenario; known:" in unknown.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsteps:\n  - wait: later\n")
    invalid = cli("run", str(bad))
    assert invalid.returncode == 2 and f"{bad}:3: steps[0].wait:" in invalid.stderr


def test_listing_scenarios_and_the_fault_scenarios_of_chaos() -> None:
    listed = cli("run", "--list")
    assert listed.returncode == 0
    names = {line.split()[0] for line in listed.stdout.splitlines()}
    assert names == {p.stem for p in (ROOT / "scenarios").glob("*.yaml")}
    chaos = cli("chaos", "--list")
    assert chaos.returncode == 0
    assert "knowledge-down" in chaos.stdout and "retrieval" not in chaos.stdout
