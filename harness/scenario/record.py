"""What one scenario run saw: every call with its time, the fault windows, probe readings, measurements.

Steps write here; expectations and the report read from here. Times are seconds since the run's
timeline started, so calls and fault windows line up on one axis.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.scenario.gateway_probe import CallOutcome

CODE = re.compile(r"\b([a-z]+(?:_[a-z]+)+)\b")


@dataclass(frozen=True)
class CallRecord:
    label: str
    t: float  # when the call started
    arguments: dict[str, Any]
    outcome: CallOutcome

    @property
    def tool(self) -> str:
        return self.outcome.tool

    @property
    def ok(self) -> bool:
        return self.outcome.ok

    @property
    def code(self) -> str | None:
        """What kind of failure this was (``upstream_timeout``, ``http_401``, ``transport``), None when ok."""
        o = self.outcome
        if o.ok:
            return None
        if o.transport_error is not None:
            return "transport"
        found = CODE.search(o.text)
        if found:
            return found.group(1)
        return f"http_{o.http_status}" if o.http_status != 200 else "error"

    def names(self, code: str) -> bool:
        return not self.ok and code in f"{self.outcome.text} {self.code}"


@dataclass
class FaultWindow:
    """A fault from ``start`` to ``end`` (None: still on when the timeline ended)."""

    name: str
    kind: str  # toxic type, "disabled" or a pod fault
    target: str  # proxy or pod
    start: float
    end: float | None = None

    def covers(self, t: float) -> bool:
        return self.start <= t and (self.end is None or t <= self.end)

    def describe(self) -> str:
        end = f"{self.end:.1f}" if self.end is not None else "end"
        return f"{self.kind} on {self.target} ({self.start:.1f}–{end} s)"


@dataclass(frozen=True)
class Poll:
    satisfied: bool
    elapsed_s: float
    attempts: int


@dataclass
class RunRecord:
    origin: float = field(default_factory=time.perf_counter)
    calls: list[CallRecord] = field(default_factory=list)
    windows: list[FaultWindow] = field(default_factory=list)
    timeline: list[tuple[float, str]] = field(default_factory=list)
    readings: dict[str, list[tuple[float, Any]]] = field(default_factory=dict)
    polls: dict[str, Poll] = field(default_factory=dict)
    measurements: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)  # a named step's own findings, by measure
    on_step: Callable[[str], None] | None = None  # a live display's hook

    def now(self) -> float:
        return time.perf_counter() - self.origin

    def note_step(self, text: str) -> None:
        self.timeline.append((self.now(), text))
        if self.on_step is not None:
            self.on_step(text)

    def open_window(self, name: str, kind: str, target: str) -> None:
        self.windows.append(FaultWindow(name, kind, target, self.now()))

    def close_window(self, name: str, target: str) -> None:
        for window in reversed(self.windows):
            if window.name == name and window.target == target and window.end is None:
                window.end = self.now()
                return

    def close_all(self) -> None:
        for window in self.windows:
            if window.end is None:
                window.end = self.now()

    def windows_at(self, t: float) -> list[FaultWindow]:
        return [w for w in self.windows if w.covers(t)]

    def labelled(self, label: str) -> list[CallRecord]:
        return [c for c in self.calls if c.label == label]

    def measure(self, name: str, value: Any, notes: list[str] | None = None) -> None:
        self.measurements[name] = round(value, 4) if isinstance(value, float) else value
        if notes:
            self.notes[name] = notes
