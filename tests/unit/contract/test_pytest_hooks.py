"""--mcp-stdio / --mcp-target turn each check into a test item whose failure reads like a finding."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[3]
REFERENCE = f"{sys.executable} -m tests.contract_targets.reference"


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    pytester.syspathinsert(str(ROOT))
    return pytester.runpytest_subprocess("-rxs", *args, timeout=60)


def test_each_check_is_an_item_named_by_id(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    result = run(
        pytester, "--mcp-stdio", REFERENCE, "--mcp-protocol", "2025-11-25", "--mcp-check", "lifecycle", "-v"
    )
    result.stdout.fnmatch_lines(
        ["*lifecycle*initialize?2025-11-25? PASSED*", "*lifecycle*ping?2025-11-25? PASSED*"]
    )
    assert result.ret == 0


def test_failures_read_like_a_report(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    result = run(
        pytester, "--mcp-stdio", REFERENCE, "--mcp-check", "jsonrpc.parse-error", "--mcp-check", "http.origin"
    )
    result.stdout.fnmatch_lines(["*XFAIL*parse-error*SHOULD not met*-32700*"])
    assert result.ret == 0


def test_unreachable_target_fails_with_the_reason(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--mcp-target", "http://127.0.0.1:9/mcp", "--mcp-check", "lifecycle.ping")
    result.stdout.fnmatch_lines(["*MCP contract check lifecycle.ping*", "*target unreachable*ConnectError*"])
    assert result.ret == 1


def test_bad_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--mcp-target", "nota-url")
    result.stderr.fnmatch_lines(["*not an http(s) URL*"])
    assert result.ret == 4


def test_run_options_reach_the_plugin(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    result = run(
        pytester,
        "--mcp-stdio",
        REFERENCE,
        "--mcp-protocol",
        "2025-11-25",
        "--mcp-check",
        "tools.content-present",
        "--mcp-only-tool",
        "nothing-matches-*",
        "-v",
    )
    result.stdout.fnmatch_lines(
        ["*tools without annotations are called*", "*SKIPPED*not selected by --only-tool*"]
    )
    assert result.ret == 0


def test_bad_example_and_stdio_header_are_usage_errors(pytester: pytest.Pytester) -> None:
    bad_example = run(pytester, "--mcp-target", "http://127.0.0.1:9/mcp", "--mcp-example", "add={oops")
    bad_example.stderr.fnmatch_lines(["*--example add={oops: not JSON*"])
    assert bad_example.ret == 4
    header_on_stdio = run(pytester, "--mcp-stdio", "server", "--mcp-header", "X-Key: v")
    header_on_stdio.stderr.fnmatch_lines(["*apply to HTTP targets*"])
    assert header_on_stdio.ret == 4


def test_a_server_that_dies_is_named_by_the_items_not_all_unreachable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("MCPH_FIXTURE_DIE_ON", "%n")
    mortal = f"{sys.executable} -m tests.contract_targets.unusual"
    result = run(
        pytester,
        "--mcp-stdio",
        mortal,
        "--mcp-protocol",
        "2025-11-25",
        "--mcp-check",
        "fuzz.invalid-arguments",
        "--mcp-check",
        "lifecycle.ping",
        "--mcp-only-tool",
        "echo",
        "--mcp-call-timeout",
        "3",
    )
    result.stdout.fnmatch_lines(
        [
            "*MCP contract check fuzz.invalid-arguments ?2025-11-25? fail*",
            '*echo*the target died*{"text":"%n"}*',
        ]
    )
    result.assert_outcomes(passed=1, failed=1)
