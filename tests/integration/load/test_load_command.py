"""``mcp-harness load`` end to end, bounded (a few seconds, few users): exit codes, SLOs, workers, faults.

Each run is the CLI in its own process against the embedded deployment it boots, as a user runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness.fakes.redis_server import free_port

RUN_TIMEOUT_S = 150


def mcp_harness(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", "load", *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"},
    )


def test_bad_slo_syntax_exits_2_with_the_reason() -> None:
    done = mcp_harness("--slo", "p95<50ms,latency<3")
    assert done.returncode == 2
    assert "unknown metric 'latency'" in done.stderr


def test_unreachable_target_exits_2_with_the_reason() -> None:
    done = mcp_harness("--target", f"http://127.0.0.1:{free_port()}/mcp", "--run-time", "2s")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "is unreachable" in done.stderr


def test_an_impossible_slo_fails_naming_it_with_workers(tmp_path: Path) -> None:
    done = mcp_harness(
        "--run-time", "4s", "--users", "4", "--spawn-rate", "4", "--workers", "2",
        "--slo", "errors<1%,p50<0.001ms", "--report", str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "objective failed: p50<0.001ms: measured" in done.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [o["held"] for o in summary["objectives"]] == [True, False]
    assert summary["stats"]["tools/call wallet__transfer"]["requests"] > 0
    assert summary["wallet"]["ok"] is True and summary["wallet"]["accepted"] > 0
    assert (tmp_path / "locust.html").stat().st_size > 0 and (tmp_path / "locust_stats.csv").exists()
    assert sorted(p.name for p in tmp_path.glob("locust-worker-*.log")) == [
        "locust-worker-1.log",
        "locust-worker-2.log",
    ]
    assert len(list(tmp_path.glob("samples-*.csv"))) == 2
    assert all(len(line) <= 80 for line in done.stdout.splitlines())


def test_under_a_weather_fault_the_other_tools_hold_their_slo(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text(
        "steps:\n"
        "  - at: 3s\n"
        "    add: {proxy: client-weather, type: latency, name: slow, attributes: {latency: 400}}\n"
        "  - at: 7s\n"
        "    remove: {proxy: client-weather, name: slow}\n"
    )
    slo = "errors<1%,wallet__get_balance:p95<1000ms,wallet__transfer:p95<1000ms,knowledge__search:p95<1000ms"
    done = mcp_harness(
        "--run-time", "10s", "--users", "6", "--faults", str(faults), "--slo", slo, "--report", str(tmp_path / "r"),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert [f["step"] for f in summary["faults"]] == ["+latency client-weather", "-slow client-weather"]
    assert [w["faults"] for w in summary["windows"]] == ["no fault", "+latency client-weather", "no fault"]
    slow = summary["windows"][1]["stats"]
    weather = "tools/call weather__get_weather"
    assert slow[weather]["p50_ms"] >= 400  # every weather call crossed the slow proxy
    assert summary["windows"][0]["stats"][weather]["p50_ms"] < 400
    for tool in ("wallet__get_balance", "wallet__transfer", "knowledge__search"):
        assert slow[f"tools/call {tool}"]["requests"] > 0
        assert slow[f"tools/call {tool}"]["p95_ms"] < 1000
    assert all(o["held"] for o in summary["objectives"])
    assert summary["wallet"]["ok"] is True and summary["wallet"]["problems"] == []
    assert "per fault window" in done.stdout
