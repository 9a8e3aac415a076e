"""A target that dies or hangs on some argument value is a finding that names the tool, the exact
(shrunk) arguments, the protocol version and a one-line reproduction — exit 1, never 2."""

from __future__ import annotations

import json

import anyio
import pytest
from typer.testing import CliRunner

from harness.cli import build_app
from harness.contract.outcomes import Verdict
from harness.contract.runner import run_contract
from harness.contract.settings import ContractSettings
from harness.contract.target import Target
from tests.contract_targets.processes import ROOT, http_server, stdio_argv

MODERN, LEGACY = "2026-07-28", "2025-11-25"
FUZZ = ["fuzz", "target.stays-up", "lifecycle.ping"]


def settings(**changes: object) -> ContractSettings:
    base: dict[str, object] = {
        "fuzz_valid_examples": 4,
        "fuzz_invalid_examples": 40,
        "call_timeout_s": 3.0,
        "skip_tools": ("wait", "slow_report", "linger"),
        "shrink_budget_s": 30,
    }
    return ContractSettings.model_validate({**base, **changes})


def stdio_target(env: dict[str, str]) -> Target:
    return Target.stdio(stdio_argv(), env=env, cwd=str(ROOT))


@pytest.mark.anyio
async def test_stdio_exit_is_reported_with_status_stderr_and_shrunk_arguments() -> None:
    with anyio.fail_after(90):
        report = await run_contract(
            stdio_target({"MCPH_FIXTURE_DIE_ON": "%n"}), settings=settings(), only=FUZZ
        )
    finding = report.result("fuzz.invalid-arguments", MODERN)
    assert finding.verdict == Verdict.FAIL and finding.severity == "MUST"
    detail = finding.details[0]
    assert detail["tool"] == "echo" and detail["kind"] == "died"
    assert detail["arguments"] == {"text": "%n"}, detail  # shrunk from "%s%n%x"
    assert "exit code 3" in detail["detail"] and "fatal: cannot handle" in detail["detail"]
    reproduction = detail["reproduction"]
    assert reproduction.startswith("printf '%s\\n' ") and "tests.contract_targets.unusual" in reproduction
    assert detail["protocol_version"] == MODERN and "delta-shrunk" in detail["shrinking"]
    # respawned: the run went on, in both versions
    assert report.result("lifecycle.ping", LEGACY).verdict == Verdict.PASS
    assert report.result("fuzz.invalid-arguments", LEGACY).verdict == Verdict.FAIL
    assert report.result("target.stays-up", MODERN).verdict == Verdict.FAIL
    assert report.exit_code == 1


@pytest.mark.anyio
async def test_stdio_hang_is_reported_with_how_long_it_waited() -> None:
    with anyio.fail_after(90):
        report = await run_contract(
            stdio_target({"MCPH_FIXTURE_HANG_ON": "%n"}),
            [LEGACY],
            settings(call_timeout_s=0.4, shrink_budget_s=15),
            only=["fuzz.invalid-arguments"],
        )
    detail = report.result("fuzz.invalid-arguments", LEGACY).details[0]
    assert detail["kind"] == "hang" and "no answer within 0.4 s" in detail["detail"], detail
    assert detail["arguments"] == {"text": "%n"}, detail
    assert detail["waited_s"] >= 0.4


def test_http_exit_is_exit_1_with_exact_arguments_and_the_rest_not_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async def run() -> tuple[int, str, dict]:  # type: ignore[type-arg]
        async with http_server({"MCPH_FIXTURE_DIE_ON": "%n"}) as (url, _restart):
            args = ["contract", url, "--examples", "40", "--call-timeout", "3", "--skip-tool", "wait"]
            args += ["--skip-tool", "slow_*", "--skip-tool", "linger", "--json", str(tmp_path / "r.json")]
            result = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(build_app(), args))
        return result.exit_code, result.output, json.loads((tmp_path / "r.json").read_text())

    code, output, document = anyio.run(run)
    assert code == 1, output
    assert "tools without annotations are called" in output
    results = {r["name"]: r for r in document["results"]}
    died = results[f"fuzz.invalid-arguments[{MODERN}]"]
    assert died["verdict"] == "fail"
    detail = died["details"][0]
    assert detail["tool"] == "echo" and detail["kind"] == "died" and "%n" in detail["arguments"]["text"]
    assert detail["shrinking"].startswith("not shrunk: the target is down")
    assert detail["reproduction"].startswith("curl -sS -N http://127.0.0.1:")
    assert "Mcp-Name: echo" in detail["reproduction"]
    later = results[f"lifecycle.ping[{LEGACY}]"]
    assert later["verdict"] == "not run" and "no --restart-cmd was given" in later["why"]


@pytest.mark.anyio
async def test_http_restart_cmd_brings_the_target_back_and_the_example_is_shrunk() -> None:
    with anyio.fail_after(120):
        async with http_server({"MCPH_FIXTURE_DIE_ON": "%n"}) as (url, restart):
            report = await run_contract(
                Target.http(url), [MODERN], settings(restart_cmd=restart), only=["fuzz", "tools.list"]
            )
    detail = report.result("fuzz.invalid-arguments", MODERN).details[0]
    assert detail["arguments"] == {"text": "%n"}, detail
    assert "--restart-cmd brought the target back" in detail["detail"]
    assert report.result("tools.list", MODERN).verdict == Verdict.PASS


def test_never_reachable_is_exit_2_with_a_clear_message() -> None:
    runner = CliRunner()
    missing = runner.invoke(build_app(), ["contract", "--stdio", "/nonexistent/mcp-server --flag"])
    assert missing.exit_code == 2
    assert "cannot start" in missing.output and "/nonexistent/mcp-server" in missing.output


@pytest.mark.anyio
async def test_death_in_a_check_other_than_fuzzing_names_the_last_request() -> None:
    known = {"echo": [{"text": "%n"}]}
    with anyio.fail_after(60):
        async with http_server({"MCPH_FIXTURE_DIE_ON": "%n"}) as (url, _restart):
            report = await run_contract(
                Target.http(url),
                settings=settings(known_good=known, only_tools=("echo",)),
                only=["tools.content-present", "target.stays-up", "lifecycle.ping"],
            )
    died = report.result("tools.content-present", MODERN)
    assert died.verdict == Verdict.FAIL and "unreachable" in died.why and "last request: curl" in died.why
    assert report.result("target.stays-up", MODERN).verdict == Verdict.FAIL
    assert report.result("lifecycle.ping", LEGACY).verdict == Verdict.NOT_RUN
    assert report.exit_code == 1


@pytest.mark.anyio
async def test_a_version_that_cannot_open_after_another_answered_is_a_death(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import harness.contract.runner as runner

    async def fake_run_version(target, version, settings, run, checks, asked):  # type: ignore[no-untyped-def]
        if version == MODERN:
            run.answered = True
            return runner.verdict_for_all(checks, version, Verdict.PASS, "held")
        return "POST http://x/mcp: ConnectError: All connection attempts failed"

    monkeypatch.setattr(runner, "run_version", fake_run_version)
    report = await run_contract(Target.http("http://x/mcp"), only=["lifecycle.ping", "target.stays-up"])
    stays_up = report.result("target.stays-up", LEGACY)
    assert stays_up.verdict == Verdict.FAIL and "answered earlier in this run" in stays_up.why
    assert report.result("lifecycle.ping", LEGACY).verdict == Verdict.NOT_RUN
    assert report.exit_code == 1


@pytest.mark.anyio
async def test_http_hang_is_shrunk_and_reproducible_with_curl() -> None:
    with anyio.fail_after(90):
        async with http_server({"MCPH_FIXTURE_HANG_ON": "%n"}) as (url, _restart):
            report = await run_contract(
                Target.http(url),
                [MODERN],
                settings(call_timeout_s=0.5, shrink_budget_s=15),
                only=["fuzz.invalid-arguments", "target.stays-up"],
            )
    detail = report.result("fuzz.invalid-arguments", MODERN).details[0]
    assert detail["kind"] == "hang" and "no answer within 0.5 s" in detail["detail"], detail
    assert detail["arguments"] == {"text": "%n"}, detail
    assert detail["reproduction"].startswith("curl ") and '"text":"%n"' in detail["reproduction"]
    assert report.result("target.stays-up", MODERN).verdict == Verdict.PASS  # hung calls, not a dead server
