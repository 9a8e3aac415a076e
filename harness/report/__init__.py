"""Reports of a run: JSON for machines, JUnit XML for CI, a self-contained HTML page for people.

The scenario runner fills :class:`RunReport` (see :mod:`harness.report.model`); this package alone
knows the file formats. The HTML page draws its charts as inline SVG: it opens offline.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.report.html import write_html
from harness.report.model import (
    VERDICTS,
    CallPoint,
    ExpectationResult,
    RunReport,
    ScenarioReport,
    Verdict,
    Window,
)


def write_json(report: RunReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), indent=2, default=str) + "\n")


def write_junit(report: RunReport, path: Path) -> None:
    """One ``testsuite`` per scenario, one ``testcase`` per expectation (or one erroring ``run``)."""
    root = ET.Element("testsuites", name=report.title, time=f"{report.duration_s:.3f}")
    for scenario in report.scenarios:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=scenario.name,
            tests=str(max(1, len(scenario.expectations))),
            failures=str(len(scenario.failures())),
            errors=str(int(scenario.verdict == "error")),
            time=f"{scenario.duration_s:.3f}",
        )
        if scenario.error:
            case = ET.SubElement(suite, "testcase", classname=scenario.name, name="run")
            ET.SubElement(case, "error", message=scenario.error[:500]).text = scenario.error
        for e in scenario.expectations:
            case = ET.SubElement(suite, "testcase", classname=scenario.name, name=e.name)
            text = f"measured {e.measured}; expected {e.expected}"
            if not e.held:
                why = f"{e.detail} ({text})" + (f" during {e.window}" if e.window else "")
                ET.SubElement(case, "failure", message=why[:500]).text = why
            else:
                ET.SubElement(case, "system-out").text = text
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def write_all(report: RunReport, directory: Path) -> list[Path]:
    paths = [directory / "report.json", directory / "junit.xml", directory / "report.html"]
    write_json(report, paths[0])
    write_junit(report, paths[1])
    write_html(report, paths[2])
    return paths


__all__ = [
    "VERDICTS",
    "CallPoint",
    "ExpectationResult",
    "RunReport",
    "ScenarioReport",
    "Verdict",
    "Window",
    "write_all",
    "write_html",
    "write_json",
    "write_junit",
]
