"""The correct fixture server passes every MUST (JSON and SSE, both versions); the CLI maps outcomes
to exit codes 0/1/2; results are written as JSON and JUnit XML."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import anyio
import pytest
from anyio.from_thread import start_blocking_portal
from typer.testing import CliRunner

from harness.cli import build_app
from harness.contract.outcomes import Verdict
from harness.contract.results import write_json, write_junit
from harness.contract.runner import run_contract
from harness.contract.target import Target, TargetError
from tests.contract_targets.serving import serve_fixture
from tests.unit.contract.test_breakages import fast_settings

# mcp 2.3.0 answers a legacy invalid request with -32602 instead of -32600 (a SHOULD; reported as a finding).
SDK_FINDINGS = {("jsonrpc.invalid-request-code", "2025-11-25")}


@pytest.mark.anyio
@pytest.mark.parametrize("json_response", [True, False], ids=["json", "sse"])
async def test_reference_server_passes_every_check(json_response: bool) -> None:
    started = time.perf_counter()
    with anyio.fail_after(60):
        async with serve_fixture(None, json_response=json_response) as url:
            report = await run_contract(Target.http(url), settings=fast_settings())
    print(
        f"contract run on the fixture server ({'json' if json_response else 'sse'}): "
        f"{time.perf_counter() - started:.1f} s"
    )
    broken = [f"{r.name}: {r.why}" for r in report.results if r.breaks_run]
    assert report.passed, broken
    unexpected = [(r.name, r.why) for r in report.findings() if (r.check_id, r.version) not in SDK_FINDINGS]
    assert not unexpected
    if not json_response:  # progress only travels on SSE responses
        assert report.result("progress.token", "2025-11-25").verdict == Verdict.PASS


def test_target_parsing_reports_bad_input() -> None:
    assert Target.parse("http://127.0.0.1:1/mcp").kind == "http"
    assert Target.parse("python -m server --flag 'a b'", stdio=True).command[-1] == "a b"
    with pytest.raises(TargetError, match="not an http"):
        Target.parse("ftp://x")
    with pytest.raises(TargetError, match="empty"):
        Target.parse("  ", stdio=True)


@pytest.fixture
def served_in_thread():  # type: ignore[no-untyped-def]
    """Serve fixture servers from a background event loop so the (blocking) CLI can be invoked."""
    with start_blocking_portal() as portal:

        def serve(rule: str | None) -> str:
            cm = portal.wrap_async_context_manager(serve_fixture(rule))
            url = cm.__enter__()
            opened.append(cm)
            return url

        opened: list = []
        yield serve
        for cm in reversed(opened):
            cm.__exit__(None, None, None)


def test_cli_exit_codes_and_reports(served_in_thread, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner(env={"COLUMNS": "250"})
    app = build_app()
    good = served_in_thread(None)
    junit, js = tmp_path / "c.xml", tmp_path / "c.json"
    ok = runner.invoke(
        app, ["contract", good, "--check", "lifecycle", "--junit", str(junit), "--json", str(js)]
    )
    assert ok.exit_code == 0, ok.output
    assert "all MUSTs held" in ok.output
    assert json.loads(js.read_text())["passed"] is True
    assert ET.parse(junit).getroot().get("failures") == "0"

    bad = served_in_thread("origin-ignored")
    failed = runner.invoke(
        app, ["contract", bad, "--check", "http.origin-validated", "--protocol", "2026-07-28"]
    )
    assert failed.exit_code == 1, failed.output
    assert "a MUST failed" in failed.output

    unreachable = runner.invoke(app, ["contract", "http://127.0.0.1:9/mcp"])
    assert unreachable.exit_code == 2
    assert "ConnectError" in unreachable.output
    usage = runner.invoke(app, ["contract", good, "--protocol", "1999"])
    assert usage.exit_code == 2 and "unknown protocol version" in usage.output
    listing = runner.invoke(app, ["contract", "--list"])
    assert listing.exit_code == 0 and "fuzz.invalid-arguments" in listing.output


@pytest.mark.anyio
async def test_junit_marks_failures_and_skips(tmp_path: Path) -> None:
    with anyio.fail_after(30):
        async with serve_fixture("origin-ignored") as url:
            report = await run_contract(
                Target.http(url), settings=fast_settings(), only=["http.origin-validated", "cancel"]
            )
    write_junit(report, tmp_path / "r.xml")
    write_json(report, tmp_path / "r.json")
    suite = ET.parse(tmp_path / "r.xml").getroot()
    failure = suite.find(".//testcase[@name='http.origin-validated[2026-07-28]']/failure")
    assert failure is not None and "403" in (failure.text or "")
    assert json.loads((tmp_path / "r.json").read_text())["counts"]["fail"] == 2


def test_fail_on_should_turns_a_should_finding_into_exit_1(served_in_thread) -> None:  # type: ignore[no-untyped-def]
    """An unknown prompt answered with an internal error is a SHOULD finding: shown by default, exit 1 on demand."""
    runner = CliRunner(env={"COLUMNS": "250"})
    app = build_app()
    bad = served_in_thread("unknown-prompt-internal-error")
    args = ["contract", bad, "--check", "prompts.unknown-name"]
    lenient = runner.invoke(app, args)
    assert lenient.exit_code == 0, lenient.output
    assert "prompts.unknown-name" in lenient.output and "fail" in lenient.output
    strict = runner.invoke(app, [*args, "--fail-on", "should"])
    assert strict.exit_code == 1, strict.output
    assert "SHOULD finding(s) fail the run" in strict.output
    good = served_in_thread(None)
    assert (
        runner.invoke(
            app, ["contract", good, "--check", "prompts.unknown-name", "--fail-on", "should"]
        ).exit_code
        == 0
    )
    usage = runner.invoke(app, [*args, "--fail-on", "never"])
    assert usage.exit_code == 2 and "--fail-on is must or should" in usage.output
