"""Reports of a run: JSON for machines, JUnit XML for CI, HTML for people, from one list of outcomes.

Every suite of the main job (and later the scenario runner) turns what it saw into :class:`Outcome`s;
this module alone knows the file formats.
"""

from __future__ import annotations

import html
import json
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Verdict = Literal["pass", "fail", "error", "skip"]
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "error", "skip")


@dataclass(frozen=True)
class Outcome:
    """One thing that held or did not: ``detail`` says what was observed, ``data`` the measurements."""

    suite: str
    name: str
    verdict: Verdict
    detail: str
    duration_s: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.verdict in ("fail", "error")


@dataclass
class RunReport:
    title: str
    outcomes: list[Outcome] = field(default_factory=list)
    started_at: float = field(default_factory=time.time)
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and not any(o.failed for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
        for outcome in self.outcomes:
            counts[outcome.verdict] += 1
        return counts

    def suites(self) -> dict[str, list[Outcome]]:
        grouped: dict[str, list[Outcome]] = {}
        for outcome in self.outcomes:
            grouped.setdefault(outcome.suite, []).append(outcome)
        return grouped

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "passed": self.passed,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "counts": self.counts(),
            "outcomes": [asdict(o) for o in self.outcomes],
        }


def write_json(report: RunReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), indent=2, default=str) + "\n")


def write_junit(report: RunReport, path: Path) -> None:
    """One ``testsuite`` per suite, one ``testcase`` per outcome."""
    root = ET.Element("testsuites", name=report.title, time=f"{report.duration_s:.3f}")
    for suite_name, outcomes in report.suites().items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=suite_name,
            tests=str(len(outcomes)),
            failures=str(sum(o.verdict == "fail" for o in outcomes)),
            errors=str(sum(o.verdict == "error" for o in outcomes)),
            skipped=str(sum(o.verdict == "skip" for o in outcomes)),
            time=f"{sum(o.duration_s for o in outcomes):.3f}",
        )
        for outcome in outcomes:
            case = ET.SubElement(
                suite, "testcase", classname=suite_name, name=outcome.name, time=f"{outcome.duration_s:.3f}"
            )
            if outcome.verdict == "fail":
                ET.SubElement(case, "failure", message=outcome.detail[:500]).text = outcome.detail
            elif outcome.verdict == "error":
                ET.SubElement(case, "error", message=outcome.detail[:500]).text = outcome.detail
            elif outcome.verdict == "skip":
                ET.SubElement(case, "skipped", message=outcome.detail[:500])
            else:
                ET.SubElement(case, "system-out").text = outcome.detail
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def write_html(report: RunReport, path: Path) -> None:
    """A single self-contained page: the verdict, counts, and one table row per outcome."""
    colours = {"pass": "#1a7f37", "fail": "#cf222e", "error": "#9a6700", "skip": "#57606a"}
    rows = "\n".join(
        f"<tr><td>{html.escape(o.suite)}</td><td>{html.escape(o.name)}</td>"
        f'<td style="color:{colours[o.verdict]};font-weight:bold">{o.verdict}</td>'
        f"<td>{o.duration_s:.2f}s</td><td><pre>{html.escape(o.detail)}</pre></td></tr>"
        for o in report.outcomes
    )
    counts = ", ".join(f"{n} {v}" for v, n in report.counts().items() if n)
    verdict = "PASSED" if report.passed else "FAILED"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(report.title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top}}pre{{margin:0;white-space:pre-wrap}}</style>
</head><body><h1>{html.escape(report.title)}: {verdict}</h1>
<p>{counts} in {report.duration_s:.1f} s</p>
<table><tr><th>suite</th><th>check</th><th>verdict</th><th>time</th><th>detail</th></tr>
{rows}
</table></body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page)


def write_all(report: RunReport, directory: Path) -> list[Path]:
    paths = [directory / "report.json", directory / "junit.xml", directory / "report.html"]
    write_json(report, paths[0])
    write_junit(report, paths[1])
    write_html(report, paths[2])
    return paths
