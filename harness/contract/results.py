"""Results of a contract run and their writers: JSON for machines, JUnit XML for CI.

One :class:`CheckResult` per (check, protocol version); the run passes when every MUST held.
SHOULD failures are findings: reported everywhere, but they do not fail the run unless the caller asks
for strictness (``--fail-on should``), as a team that treats the spec's recommendations as its own rules would.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.contract.outcomes import Verdict


@dataclass(frozen=True)
class CheckResult:
    check_id: str
    version: str
    title: str
    clause: str
    severity: str
    verdict: Verdict
    why: str
    duration_s: float
    details: list[dict[str, Any]] = field(default_factory=list)  # exact arguments, reproductions

    @property
    def name(self) -> str:
        return f"{self.check_id}[{self.version}]"

    @property
    def breaks_run(self) -> bool:
        return self.severity == "MUST" and self.verdict in (Verdict.FAIL, Verdict.ERROR)


@dataclass
class ContractReport:
    target: str
    transport: str
    versions: list[str]
    results: list[CheckResult] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        return not any(r.breaks_run for r in self.results)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    @property
    def should_findings(self) -> list[CheckResult]:
        return [
            r for r in self.results if r.severity == "SHOULD" and r.verdict in (Verdict.FAIL, Verdict.ERROR)
        ]

    def exit_code_for(self, fail_on: str) -> int:
        """1 when a MUST failed, or (``fail_on="should"``) when any finding at all was made."""
        if fail_on == "should" and self.should_findings:
            return 1
        return self.exit_code

    def counts(self) -> dict[str, int]:
        counts = {v.value: 0 for v in Verdict}
        for result in self.results:
            counts[result.verdict.value] += 1
        return counts

    def findings(self) -> list[CheckResult]:
        return [r for r in self.results if r.verdict in (Verdict.FAIL, Verdict.ERROR)]

    def result(self, check_id: str, version: str) -> CheckResult:
        for r in self.results:
            if r.check_id == check_id and r.version == version:
                return r
        raise KeyError(f"{check_id}[{version}] did not run")

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "transport": self.transport,
            "versions": self.versions,
            "passed": self.passed,
            "duration_s": round(self.duration_s, 3),
            "counts": self.counts(),
            "results": [{**asdict(r), "verdict": r.verdict.value, "name": r.name} for r in self.results],
        }


def write_json(report: ContractReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), indent=2) + "\n")


def write_junit(report: ContractReport, path: Path) -> None:
    """One testsuite, one testcase per check and version; SHOULD failures are marked in the message."""
    counts = report.counts()
    suite = ET.Element(
        "testsuite",
        name=f"mcp-contract {report.target}",
        tests=str(len(report.results)),
        failures=str(counts["fail"]),
        errors=str(counts["error"]),
        skipped=str(counts["skip"] + counts["not run"]),
        time=f"{report.duration_s:.3f}",
    )
    for r in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"contract.{r.check_id.split('.')[0]}",
            name=r.name,
            time=f"{r.duration_s:.3f}",
        )
        text = f"[{r.severity}] {r.clause}\n{r.why}"
        if r.verdict == Verdict.FAIL:
            ET.SubElement(case, "failure", message=f"{r.severity}: {r.why}"[:500]).text = text
        elif r.verdict == Verdict.ERROR:
            ET.SubElement(case, "error", message=r.why[:500]).text = text
        elif r.verdict in (Verdict.SKIP, Verdict.NOT_RUN):
            ET.SubElement(case, "skipped", message=r.why)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(suite)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
