"""Honest but unusual servers pass without a MUST failure: one that speaks 2025-11-25 only, a tool that
is slow by design and reports progress, and notifications that arrive late from an earlier call."""

from __future__ import annotations

import anyio
import pytest

from harness.contract.outcomes import Verdict
from harness.contract.runner import run_contract
from harness.contract.settings import ContractSettings
from harness.contract.target import Target
from tests.contract_targets.processes import ROOT, stdio_argv
from tests.contract_targets.serving import serve_fixture
from tests.unit.contract.test_breakages import fast_settings

MODERN, LEGACY = "2026-07-28", "2025-11-25"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("rule", "refusal"),
    [
        ("legacy-only", "server/discover → error -32601"),
        ("legacy-only-plain-404", "server/discover → HTTP 404"),
    ],
)
async def test_legacy_only_server_gets_modern_checks_as_not_applicable(rule: str, refusal: str) -> None:
    with anyio.fail_after(60):
        async with serve_fixture(rule) as url:
            both = await run_contract(Target.http(url), settings=fast_settings())
            asked = await run_contract(
                Target.http(url), [MODERN], fast_settings(), only=["lifecycle.discover"]
            )
    assert both.passed, [(r.name, r.why) for r in both.results if r.breaks_run]
    modern = [r for r in both.results if r.version == MODERN]
    assert modern and all(r.verdict == Verdict.SKIP for r in modern)
    assert f"does not speak 2026-07-28 ({refusal}" in modern[0].why
    assert any(r.verdict == Verdict.PASS for r in both.results if r.version == LEGACY)
    assert asked.result("lifecycle.discover", MODERN).verdict == Verdict.FAIL  # the user asked for it


@pytest.mark.anyio
async def test_modern_only_server_gets_legacy_checks_as_not_applicable() -> None:
    with anyio.fail_after(60):
        async with serve_fixture("modern-only") as url:
            both = await run_contract(Target.http(url), settings=fast_settings())
            asked = await run_contract(Target.http(url), [LEGACY], fast_settings(), only=["lifecycle.ping"])
    assert both.passed, [(r.name, r.why) for r in both.results if r.breaks_run]
    legacy = [r for r in both.results if r.version == LEGACY]
    assert legacy and all(r.verdict == Verdict.SKIP for r in legacy)
    assert "does not speak 2025-11-25 (initialize → no result" in legacy[0].why
    assert asked.result("lifecycle.ping", LEGACY).verdict == Verdict.FAIL  # the user asked for it


def slow_target(total_s: float, every_s: float) -> Target:
    env = {"MCPH_FIXTURE_SLOW_S": str(total_s), "MCPH_FIXTURE_PROGRESS_EVERY_S": str(every_s)}
    return Target.stdio(stdio_argv(), env=env, cwd=str(ROOT))


@pytest.mark.anyio
async def test_progress_keeps_a_call_longer_than_the_default_call_timeout_alive() -> None:
    default_timeout = ContractSettings().call_timeout_s
    settings = ContractSettings(only_tools=("slow_report",), fuzz_valid_examples=1, fuzz_invalid_examples=0)
    with anyio.fail_after(60):
        report = await run_contract(
            slow_target(default_timeout + 1.5, 0.5), [LEGACY], settings, only=["fuzz.valid-arguments"]
        )
    result = report.result("fuzz.valid-arguments", LEGACY)
    assert result.verdict == Verdict.PASS, result.why
    assert result.duration_s > default_timeout  # it really outlived the deadline, kept alive by progress


@pytest.mark.anyio
async def test_without_progress_the_same_slowness_is_a_hang_saying_how_long_it_waited() -> None:
    settings = ContractSettings(
        only_tools=("slow_report",), fuzz_valid_examples=1, call_timeout_s=0.5, shrink_attempts=0
    )
    with anyio.fail_after(60):
        report = await run_contract(slow_target(2, 100), [LEGACY], settings, only=["fuzz.valid-arguments"])
    result = report.result("fuzz.valid-arguments", LEGACY)
    assert result.verdict == Verdict.FAIL
    assert "no answer within 0.5 s of silence (waited 0.5 s)" in result.why, result.why


@pytest.mark.anyio
async def test_late_notifications_from_a_cancelled_call_fail_no_later_check() -> None:
    """``linger`` ignores cancellation (a SHOULD) and keeps sending progress and log messages while
    the progress check runs; those belong to the cancelled call, not to the progress check's calls."""
    target = Target.stdio(stdio_argv(), env={"MCPH_FIXTURE_LINGER_S": "2"}, cwd=str(ROOT))
    settings = ContractSettings(
        long_tool="linger", cancel_grace_s=0.3, skip_tools=("wait", "slow_report"), call_timeout_s=3
    )
    with anyio.fail_after(60):
        report = await run_contract(target, [LEGACY], settings, only=["cancel", "progress"])
    assert report.passed, [(r.name, r.why) for r in report.results if r.breaks_run]
    assert report.result("progress.token", LEGACY).verdict == Verdict.PASS


@pytest.mark.anyio
async def test_a_server_that_serves_one_call_at_a_time_is_not_hung() -> None:
    """Four fuzzed calls in flight against a server that takes 0.4 s per call, one at a time: the
    fourth waits 1.6 s, past a 1 s call timeout — but alone it answers in 0.4 s, so it is a note."""
    target = Target.stdio(stdio_argv(), env={"MCPH_FIXTURE_SERIAL_S": "0.4"}, cwd=str(ROOT))
    settings = ContractSettings(only_tools=("add",), call_timeout_s=1, fuzz_valid_examples=8)
    with anyio.fail_after(60):
        report = await run_contract(target, [LEGACY], settings, only=["fuzz.valid-arguments"])
    result = report.result("fuzz.valid-arguments", LEGACY)
    assert result.verdict == Verdict.PASS, result.why
    assert "add: only among concurrent calls, not alone" in result.why
