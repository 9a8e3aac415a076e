"""`mcp-harness run`, the main job, as CI runs it: suites against the launched deployment, reports, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RUN = [sys.executable, "-m", "harness.cli", "run"]


@pytest.mark.slow
def test_main_job_suites_pass_and_write_reports(tmp_path: Path) -> None:
    suites = ["deployment", "wallet", "retrieval"]
    args = [arg for suite in suites for arg in ("--suite", suite)]
    result = subprocess.run(
        [*RUN, *args, "--report", str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["passed"] is True
    names = {(o["suite"], o["name"]) for o in report["outcomes"]}
    assert ("deployment", "every tool via gateway [auto]") in names
    assert ("deployment", "every tool via gateway [legacy]") in names
    assert ("deployment", "servers refuse callers without mTLS") in names
    assert {o["suite"] for o in report["outcomes"]} == {"deployment", "wallet", "retrieval"}
    recall = next(o for o in report["outcomes"] if o["suite"] == "retrieval")
    assert recall["data"]["recall_at_5"] >= 0.7
    assert (tmp_path / "junit.xml").exists() and (tmp_path / "report.html").exists()


def test_unknown_suite_is_a_usage_error() -> None:
    result = subprocess.run([*RUN, "--suite", "nope"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown suite(s) nope" in result.stderr


@pytest.mark.anyio
async def test_main_job_suites_fail_when_a_backend_is_broken() -> None:
    """The suites are not vacuous: a wallet whose Redis is gone fails the tool and wallet checks."""
    import anyio

    from harness.fakes.redis_server import free_port
    from harness.launch.inprocess import LaunchOptions, launch
    from harness.mainjob.job import MainJobOptions, run_deployment_suites
    from harness.topology import reference_topology

    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    options = LaunchOptions(
        topology=reference_topology(),
        server_overrides={"wallet": {"redis": {"url": dead_redis, "timeout_s": 0.5}}},
        gateway_overrides={"rate_limit": "100000/minute"},
    )
    with anyio.fail_after(120):
        async with launch(options) as deployment:
            outcomes = await run_deployment_suites(
                MainJobOptions(suites=["deployment", "wallet"], transfers=10), deployment, lambda _: None
            )
    verdicts = {o.name: o for o in outcomes}
    tools = verdicts["every tool via gateway [auto]"]
    assert tools.verdict == "fail" and "wallet__deposit" in tools.detail
    assert verdicts["concurrent transfers with retried idempotency keys"].failed
    assert verdicts["gateway refuses bad credentials"].verdict == "pass"
