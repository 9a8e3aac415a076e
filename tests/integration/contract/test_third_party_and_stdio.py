"""The suite over stdio: the official reference servers mcp-server-time and mcp-server-git (in a
throw-away repository; their findings are recorded exactly, so a new false positive fails here) and the
correct fixture server, whose every MUST must hold over stdio too."""

from __future__ import annotations

import shutil
import subprocess
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
GIT_SERVER = Path(sys.executable).with_name("mcp-server-git")
BOTH = ("2026-07-28", "2025-11-25")
# Every finding on the SDK-built reference servers is a real SHOULD violation (clauses in the README):
# mcp 2.3.0's stdio transport drops input it cannot parse (no -32700/-32600 answer, batches ignored),
# answers an unknown prompt with -32603 "Internal server error" (2026-07-28) or code 0 (2025-11-25)
# instead of -32602, and an unknown resource with -32602 where 2025-11-25 recommends -32002.
SDK_SERVER_FINDINGS = {
    *(
        (check_id, version)
        for check_id in ("jsonrpc.parse-error", "jsonrpc.invalid-request-code")
        for version in BOTH
    ),
    *(("jsonrpc.batch-rejected", version) for version in BOTH),
    *(("prompts.unknown-name", version) for version in BOTH),
    ("resources.not-found-code", "2025-11-25"),
}
EXPECTED_TIME_SERVER_FINDINGS = SDK_SERVER_FINDINGS


def installed(path: Path) -> bool:
    return path.exists() or shutil.which(path.name) is not None


@pytest.mark.anyio
@pytest.mark.skipif(not installed(TIME_SERVER), reason="mcp-server-time not installed")
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
    assert findings == EXPECTED_TIME_SERVER_FINDINGS
    assert report.result("tools.unknown-tool", "2026-07-28").verdict == Verdict.PASS  # it answers -32602
    assert all(r.why == "not applicable to stdio" for r in report.results if r.check_id.startswith("http."))
    assert elapsed < 30


def throwaway_repository(path: Path) -> Path:
    """A git repository with one commit, made for the test (never the project's own)."""
    path.mkdir()
    for command in (
        ["git", "init", "-q", "-b", "main"],
        [
            "git",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "user.name=t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "init",
        ],
    ):
        subprocess.run(command, cwd=path, check=True, capture_output=True, timeout=30)
    return path


def git_state(repo: Path) -> tuple[str, str]:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, check=True, capture_output=True, text=True, timeout=30
        ).stdout

    return git("branch", "--list", "--format=%(refname:short)"), git("rev-parse", "--abbrev-ref", "HEAD")


@pytest.mark.anyio
@pytest.mark.skipif(not installed(GIT_SERVER), reason="mcp-server-git not installed")
@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
async def test_mcp_server_git_over_stdio_in_a_throwaway_repository(tmp_path: Path) -> None:
    repo = throwaway_repository(tmp_path / "repo")
    before = git_state(repo)
    command = str(GIT_SERVER) if GIT_SERVER.exists() else "mcp-server-git"
    with anyio.fail_after(90):
        report = await run_contract(
            Target.stdio([command, "--repository", str(repo)], cwd=str(tmp_path)),
            settings=ContractSettings(fuzz_valid_examples=10, fuzz_invalid_examples=10),
        )
    findings = {(r.check_id, r.version) for r in report.findings()}
    print(f"mcp-server-git: {report.counts()} in {report.duration_s:.1f} s; findings: {sorted(findings)}")
    assert report.passed, [r.why for r in report.results if r.breaks_run]
    assert findings == SDK_SERVER_FINDINGS
    assert report.result("prompts.list", "2025-11-25").verdict == Verdict.PASS
    assert report.result("resources.unknown-uri", "2026-07-28").verdict == Verdict.PASS
    assert git_state(repo) == before, "the suite changed the repository's branches or HEAD"


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
