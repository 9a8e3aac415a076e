"""The pytest plugin collects scenario files: one item per file, failures that read like the report.

The inner runs are subprocesses: an in-process run unloads the modules it imported when it ends, and
later deployments in this process would then see two copies of httpx's exception classes.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

FAILING = """name: health-is-broken
timeout: 60s
steps:
  - call: {tool: weather__health, as: health}
  - toxic: {proxy: client-weather, type: latency, name: slow, attributes: {latency: 50}}
  - call: {tool: weather__health, as: health-slow}
expect:
  - calls: {of: health, ok: all}
  - title: health claims to be down
    calls: {of: health-slow, structured: {status: down}}
"""


def test_each_scenario_file_is_one_item_and_tags_are_markers(pytester: pytest.Pytester) -> None:
    scenarios = pytester.mkdir("scenarios")
    (scenarios / "one.yaml").write_text(FAILING.replace("health-is-broken", "one"))
    (scenarios / "two.yaml").write_text(FAILING.replace("health-is-broken", "two") + "tags: [slow]\n")
    (pytester.path / "elsewhere.yaml").write_text("not: a scenario\n")  # only scenarios/ is collected
    result = pytester.runpytest_subprocess("--collect-only", "-q", "-m", "not slow", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["scenarios/one.yaml::one", "*1/2 tests collected (1 deselected)*"])


def test_a_run_only_scenario_is_skipped_unless_its_file_is_named(pytester: pytest.Pytester) -> None:
    scenarios = pytester.mkdir("scenarios")
    (scenarios / "only.yaml").write_text("tags: [run_only]\n" + FAILING.replace("health-is-broken", "only"))
    whole = pytester.runpytest_subprocess("-q", "-rs", "-p", "no:cacheprovider")
    whole.assert_outcomes(skipped=1)
    whole.stdout.fnmatch_lines(["*run_only: run by mcp-harness run, or here with `pytest only.yaml` named*"])
    named = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "scenarios/only.yaml")
    named.assert_outcomes(failed=1)  # it ran (and its expectation is broken on purpose)


def test_an_invalid_file_is_a_collection_error_with_its_line(pytester: pytest.Pytester) -> None:
    scenarios = pytester.mkdir("scenarios")
    (scenarios / "bad.yaml").write_text("name: bad\nsteps:\n  - wait: soon\n")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["*invalid scenario file:*", "*scenarios/bad.yaml:3: steps[[]0[]].wait: *soon*"]
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_a_failing_scenario_reads_like_the_report(pytester: pytest.Pytester) -> None:
    scenarios = pytester.mkdir("scenarios")
    (scenarios / "health-is-broken.yaml").write_text(FAILING)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*scenario health-is-broken: fail after * s (seed 20261125)",
            '*✗ health claims to be down: answer {* lacks {"status": "down"}',
            '*measured 1 calls, 1 ok, *; expected answers contain {"status": "down"}',
            "*during latency on client-weather (*",
            "*held: calls health",
        ]
    )
