"""Run reports: the verdict, JUnit XML a CI server can parse, JSON and a self-contained HTML page."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.report import Outcome, RunReport, write_all


def sample_report() -> RunReport:
    return RunReport(
        title="t",
        outcomes=[
            Outcome("deployment", "launch", "pass", "up", 1.0, {"servers": 3}),
            Outcome("wallet", "transfers", "fail", "94 entries for 78 accepted <keys>", 2.0),
            Outcome("chaos", "knowledge-down", "error", "crashed", 0.5),
            Outcome("chaos", "optional", "skip", "no docker", 0.0),
        ],
        duration_s=3.5,
    )


def test_any_fail_or_error_fails_the_run() -> None:
    report = sample_report()
    assert not report.passed and report.exit_code == 1
    assert report.counts() == {"pass": 1, "fail": 1, "error": 1, "skip": 1}
    assert RunReport("t", [Outcome("s", "n", "pass", "ok")]).exit_code == 0
    assert not RunReport("empty").passed, "a run that checked nothing must not pass"


def test_files_are_written_and_parse(tmp_path: Path) -> None:
    paths = write_all(sample_report(), tmp_path / "reports")
    data = json.loads(paths[0].read_text())
    assert data["passed"] is False and len(data["outcomes"]) == 4
    assert data["outcomes"][0]["data"] == {"servers": 3}
    root = ET.parse(paths[1]).getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"deployment", "wallet", "chaos"}
    assert suites["wallet"].get("failures") == "1"
    assert suites["chaos"].get("errors") == "1" and suites["chaos"].get("skipped") == "1"
    failure = suites["wallet"].find("testcase/failure")
    assert failure is not None and "94 entries" in (failure.get("message") or "")
    page = paths[2].read_text()
    assert "FAILED" in page and "&lt;keys&gt;" in page  # escaped, not injected
