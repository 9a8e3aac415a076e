"""What a report holds: per scenario its verdict, judged expectations, calls over time and fault windows.

Plain dataclasses, filled by the scenario runner and read by the writers (JSON, JUnit XML, HTML); this
package knows the file formats, the runner knows what happened.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["pass", "fail", "error", "skip"]
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "error", "skip")


@dataclass(frozen=True)
class ExpectationResult:
    name: str
    held: bool
    measured: str
    expected: str
    detail: str = ""
    window: str | None = None  # the fault window a failure fell in


@dataclass(frozen=True)
class CallPoint:
    t: float  # seconds since the timeline started
    tool: str
    latency_ms: float
    ok: bool
    code: str | None
    label: str


@dataclass(frozen=True)
class Window:
    name: str
    kind: str
    target: str
    start: float
    end: float


@dataclass
class ScenarioReport:
    name: str
    verdict: Verdict
    description: str = ""
    source: str = ""
    seed: int = 0
    duration_s: float = 0.0
    error: str | None = None  # why the scenario could not be judged (verdict error)
    expectations: list[ExpectationResult] = field(default_factory=list)
    calls: list[CallPoint] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    timeline: list[tuple[float, str]] = field(default_factory=list)
    measurements: dict[str, Any] = field(default_factory=dict)
    log: str | None = None  # the services' log file of this scenario

    @property
    def failed(self) -> bool:
        return self.verdict in ("fail", "error")

    def failures(self) -> list[ExpectationResult]:
        return [e for e in self.expectations if not e.held]

    def summary(self) -> str:
        """One line: why it failed, or how many expectations held."""
        if self.error:
            return self.error
        failed = self.failures()
        if failed:
            return f"{failed[0].name}: {failed[0].detail or failed[0].measured}"
        return f"{len(self.expectations)} expectations held"


@dataclass
class RunReport:
    title: str
    scenarios: list[ScenarioReport] = field(default_factory=list)
    started_at: float = field(default_factory=time.time)
    duration_s: float = 0.0

    @property
    def nothing_ran(self) -> bool:
        """Every scenario was skipped (say, netns without root): nothing was proven, so nothing passed."""
        return all(s.verdict == "skip" for s in self.scenarios)

    @property
    def passed(self) -> bool:
        return not self.nothing_ran and not any(s.failed for s in self.scenarios)

    @property
    def exit_code(self) -> int:
        """0 all held · 1 a scenario failed · 2 nothing could run here (an environment error)."""
        if self.passed:
            return 0
        return 2 if self.nothing_ran else 1

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
        for scenario in self.scenarios:
            counts[scenario.verdict] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "passed": self.passed,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "counts": self.counts(),
            "scenarios": [asdict(s) for s in self.scenarios],
        }
