"""Latency, errors and throughput per request name, computed exactly from a run's samples.

Locust's own percentiles are rounded into buckets; SLO gates and fault windows are judged on the raw
samples instead (nearest-rank percentiles), over a time span given by the caller.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from load.samples import Sample

AGGREGATE = "Aggregated"


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class NameStats:
    """What one request name (or all of them) did over ``duration_s`` seconds."""

    name: str
    duration_s: float
    latencies_ms: list[float] = field(default_factory=list)
    failures: int = 0
    failure_messages: dict[str, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    def percentile(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    @property
    def avg_ms(self) -> float:
        return sum(self.latencies_ms) / self.requests if self.requests else 0.0

    @property
    def max_ms(self) -> float:
        return self.latencies_ms[-1] if self.latencies_ms else 0.0


def summarize(samples: Iterable[Sample], duration_s: float) -> dict[str, NameStats]:
    """Stats per request name plus :data:`AGGREGATE` over all of them (latencies sorted)."""
    by_name: dict[str, NameStats] = defaultdict(lambda: NameStats("", duration_s))
    total = NameStats(AGGREGATE, duration_s)
    for sample in samples:
        for stats in (by_name[sample.name], total):
            stats.latencies_ms.append(sample.response_ms)
            if not sample.ok:
                stats.failures += 1
                message = sample.failure or ""
                stats.failure_messages[message] = stats.failure_messages.get(message, 0) + 1
    result: dict[str, NameStats] = {}
    for name, stats in sorted(by_name.items()):
        stats.name = name
        result[name] = stats
    result[AGGREGATE] = total
    for stats in result.values():
        stats.latencies_ms.sort()
    return result


def run_span(samples: list[Sample]) -> tuple[float, float]:
    """``(first start, last end)`` of the samples; ``(0, 0)`` when there are none."""
    if not samples:
        return 0.0, 0.0
    return samples[0].start, max(s.start + s.response_ms / 1000 for s in samples)
