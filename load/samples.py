"""Every request of a run, one row each, so latency can be cut by tool *and* by time window.

Locust's CSV reports aggregate over the whole run; a fault timeline needs "wallet p95 while weather
was slow", so each load process also records ``(start, name, milliseconds, failure)`` per request and
writes it to ``samples-<pid>.csv`` in the run's record directory when the test stops. The reading
side (:func:`read_samples`) is plain Python: the harness merges the files of every worker.
"""

from __future__ import annotations

import csv
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMPLES_FILE_PREFIX = "samples-"


@dataclass(frozen=True)
class Sample:
    start: float  # seconds since the epoch
    name: str
    response_ms: float
    failure: str | None

    @property
    def ok(self) -> bool:
        return self.failure is None


class SampleRecorder:
    """A Locust ``request`` listener that keeps a row per request (bounded: a run is bounded)."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, str, float, str]] = []

    def on_request(
        self,
        name: str,
        response_time: float | None = None,
        exception: BaseException | None = None,
        start_time: float | None = None,
        **_: Any,
    ) -> None:
        elapsed = float(response_time or 0.0)
        start = start_time if start_time is not None else time.time() - elapsed / 1000
        self.rows.append((start, name, elapsed, str(exception)[:300] if exception else ""))

    def write(self, directory: str) -> Path:
        path = Path(directory) / f"{SAMPLES_FILE_PREFIX}{os.getpid()}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["start", "name", "response_ms", "failure"])
            writer.writerows((f"{s:.6f}", n, f"{r:.3f}", f) for s, n, r, f in self.rows)
        return path


def read_samples(directory: Path) -> list[Sample]:
    """Every sample written under ``directory``, oldest first."""
    samples: list[Sample] = []
    for path in sorted(directory.glob(f"{SAMPLES_FILE_PREFIX}*.csv")):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                samples.append(
                    Sample(
                        float(row["start"]), row["name"], float(row["response_ms"]), row["failure"] or None
                    )
                )
    samples.sort(key=lambda s: s.start)
    return samples
