"""The suite over stdio: the official mcp-server-time (findings recorded, not hidden) and the correct
fixture server, whose every MUST must hold over stdio too."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import anyio
import pytest

from harness.contract.outcomes import Verdict
from harness.contract.runner import run_contract
from harness.contract.settings import ContractSettings
from harness.contract.target import Target

ROOT = Path(__file__).resolve().parents[3]
TIME_SERVER = Path(sys.executable).with_name("mcp-server-time")
# What mcp 2.3.0's stdio transport does with input it cannot parse: it drops it silently.
EXPECTED_TIME_SERVER_FINDINGS = {
    ("jsonrpc.parse-error", "2026-07-28"),
    ("jsonrpc.parse-error", "2025-11-25"),
    ("jsonrpc.invalid-request-code", "2026-07-28"),
    ("jsonrpc.invalid-request-code", "2025-11-25"),
    ("jsonrpc.batch-rejected", "2026-07-28"),
    ("jsonrpc.batch-rejected", "2025-11-25"),
}


@pytest.mark.anyio
@pytest.mark.skipif(
    not TIME_SERVER.exists() and not shutil.which("mcp-server-time"), reason="mcp-server-time not installed"
)
async def test_mcp_server_time_over_stdio_completes_with_its_findings() -> None:
    command = str(TIME_SERVER) if TIME_SERVER.exists() else "mcp-server-time"
    started = time.perf_counter()
    with anyio.fail_after(60):
        report = await run_contract(
            Target.stdio([command]),
            settings=ContractSettings(fuzz_valid_examples=10, fuzz_invalid_examples=10),
        )
    elapsed = time.perf_counter() - started
    findings = {(r.check_id, r.version) for r in report.findings()}
    print(f"mcp-server-time: {report.counts()} in {elapsed:.1f} s; findings: {sorted(findings)}")
    assert report.passed, [r.why for r in report.results if r.breaks_run]
    assert findings >= EXPECTED_TIME_SERVER_FINDINGS
    assert report.result("tools.unknown-tool", "2026-07-28").verdict == Verdict.PASS  # it answers -32602
    assert all(r.why == "not applicable to stdio" for r in report.results if r.check_id.startswith("http."))
    assert elapsed < 30


@pytest.mark.anyio
async def test_fixture_server_over_stdio_holds_every_must() -> None:
    target = Target.stdio([sys.executable, "-m", "tests.contract_targets.reference"], cwd=str(ROOT))
    settings = ContractSettings(
        fuzz_valid_examples=8,
        fuzz_invalid_examples=8,
        long_tool="wait",
        long_tool_arguments={"seconds": 2},
        cancel_grace_s=1.5,
    )
    with anyio.fail_after(90):
        report = await run_contract(target, settings=settings)
    assert report.passed, [(r.name, r.why) for r in report.results if r.breaks_run]
    assert report.result("progress.token", "2025-11-25").verdict == Verdict.PASS
    assert report.result("cancel.in-flight-stops", "2025-11-25").verdict == Verdict.PASS
