"""pytest collects scenario files: ``pytest scenarios/`` gives one item per ``*.yaml`` in a ``scenarios``
directory, and a failure reads like the report — the expectation, what was measured, what was
expected, the fault window it fell in. A file that does not validate is a collection error saying
``file:line: what``. Tags in the file become markers (``tags: [slow]`` → ``-m "not slow"``), except
``run_only``: such a scenario is skipped (with the reason) unless its file is named on the command line —
for scenarios whose substance other tests already cover, so a whole-suite run does not pay for them twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from harness.report.model import ScenarioReport
from harness.scenario.loader import ScenarioFileError, load_scenario
from harness.scenario.model import Scenario
from harness.scenario.runner import run_scenario

RUN_ONLY = "run_only"


def named_on_command_line(config: pytest.Config, path: Path) -> bool:
    return any(Path(arg.split("::")[0]).resolve() == path.resolve() for arg in config.args)


class ScenarioFailed(Exception):
    def __init__(self, report: ScenarioReport) -> None:
        self.report = report
        super().__init__(report.summary())


def describe_failure(report: ScenarioReport) -> str:
    """The report's words for a failed scenario, one expectation per paragraph."""
    lines = [f"scenario {report.name}: {report.verdict} after {report.duration_s:.1f} s (seed {report.seed})"]
    if report.error:
        lines.append(f"  could not be judged: {report.error}")
    for e in report.failures():
        lines.append(f"  ✗ {e.name}: {e.detail}")
        lines.append(f"      measured {e.measured}; expected {e.expected}")
        if e.window:
            lines.append(f"      during {e.window}")
    held = [e for e in report.expectations if e.held]
    if held:
        lines.append(f"  held: {', '.join(e.name for e in held)}")
    if report.timeline:
        lines.append("  timeline: " + " → ".join(f"{t:.1f}s {text}" for t, text in report.timeline[-6:]))
    return "\n".join(lines)


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        for tag in scenario.tags:
            if tag != RUN_ONLY:
                self.add_marker(tag)
        if RUN_ONLY in scenario.tags and not named_on_command_line(self.config, self.path):
            reason = f"run_only: run by mcp-harness run, or here with `pytest {self.path.name}` named"
            self.add_marker(pytest.mark.skip(reason=reason))

    def runtest(self) -> None:
        report = anyio.run(lambda: run_scenario(self.scenario, source=self.path))
        if report.verdict == "skip":
            pytest.skip(report.error or "the scenario cannot run here")
        if report.failed:
            raise ScenarioFailed(report)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return describe_failure(excinfo.value.report)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.scenario.name}"


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[ScenarioItem]:
        scenario = load_scenario(self.path)
        yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFileError):
            return "invalid scenario file:\n" + "\n".join(excinfo.value.problems)
        return str(super().repr_failure(excinfo))


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> ScenarioFile | None:
    if file_path.suffix in (".yaml", ".yml") and file_path.parent.name == "scenarios":
        return ScenarioFile.from_parent(parent, path=file_path)
    return None
