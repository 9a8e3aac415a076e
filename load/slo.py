"""Service-level objectives: ``"p95<50ms,errors<1%,rps>200,wallet__transfer:p95<100ms"`` → verdicts → exit code.

An objective is ``[scope:]metric op value``. Without a scope it is judged on every request of the run
together; with one, on that tool's calls (``wallet__transfer`` means ``tools/call wallet__transfer``;
a scope with a ``/`` or a space is a request name as Locust shows it, e.g. ``tools/list``).

Metrics: ``p50 p75 p90 p95 p99 avg max`` (latency; ``ms`` or ``s``, bare numbers are ms), ``errors``
(``1%`` or ``0.01``), ``rps`` (requests per second). Operators: ``< <= > >=``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from load.stats import AGGREGATE, NameStats

LATENCY_METRICS = {"p50": 50.0, "p75": 75.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}
METRICS = (*LATENCY_METRICS, "avg", "max", "errors", "rps")
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
OBJECTIVE = re.compile(
    r"^(?:(?P<scope>[^:]+):)?\s*(?P<metric>[a-z0-9]+)\s*(?P<op><=|>=|<|>)\s*(?P<value>[0-9.]+)\s*(?P<unit>ms|s|%)?$"
)
#: what a fresh checkout holds on two shared cores with the defaults of ``mcp-harness load``
DEFAULT_SLO = "errors<1%,p95<500ms,p99<1500ms,rps>50"


class SloSyntaxError(ValueError):
    """An objective that cannot be read; the message quotes it and says the expected form."""


@dataclass(frozen=True)
class Objective:
    text: str
    scope: str | None  # a request name; None: the whole run
    metric: str
    op: str
    threshold: float  # ms for latency, a fraction for errors, per second for rps

    def measure(self, stats: NameStats) -> float:
        if self.metric in LATENCY_METRICS:
            return stats.percentile(LATENCY_METRICS[self.metric])
        if self.metric == "avg":
            return stats.avg_ms
        if self.metric == "max":
            return stats.max_ms
        if self.metric == "errors":
            return stats.error_rate
        return stats.rps

    def format_value(self, value: float) -> str:
        if self.metric == "errors":
            return f"{value * 100:.2f}%"
        if self.metric == "rps":
            return f"{value:.1f}/s"
        return f"{value:.1f}ms"


@dataclass(frozen=True)
class Verdict:
    objective: Objective
    measured: float | None  # None: no request in scope
    held: bool

    def describe(self) -> str:
        o = self.objective
        where = o.scope or "overall"
        if self.measured is None:
            return f"{o.text}: no '{where}' requests were made"
        return f"{o.text}: measured {o.format_value(self.measured)} ({where})"


def scope_name(scope: str) -> str:
    scope = scope.strip()
    return scope if ("/" in scope or " " in scope) else f"tools/call {scope}"


def parse_objective(text: str) -> Objective:
    match = OBJECTIVE.match(text.strip())
    hint = "expected [tool:]metric<value, e.g. p95<50ms, errors<1%, rps>200, wallet__transfer:p95<100ms"
    if match is None:
        raise SloSyntaxError(f"cannot read objective {text.strip()!r}: {hint}")
    metric, unit, raw = match["metric"], match["unit"], match["value"]
    if metric not in METRICS:
        raise SloSyntaxError(
            f"unknown metric {metric!r} in {text.strip()!r}: use one of {', '.join(METRICS)}"
        )
    try:
        value = float(raw)
    except ValueError:
        raise SloSyntaxError(f"{raw!r} is not a number in {text.strip()!r}") from None
    if metric == "errors":
        if unit not in (None, "%"):
            raise SloSyntaxError(f"errors take a percentage or a fraction, not {unit!r}: {text.strip()!r}")
        value = value / 100 if unit == "%" else value
    elif metric == "rps":
        if unit is not None:
            raise SloSyntaxError(f"rps takes a plain number of requests per second: {text.strip()!r}")
    elif unit == "%":
        raise SloSyntaxError(f"a latency takes ms or s, not %: {text.strip()!r}")
    elif unit == "s":
        value *= 1000
    scope = scope_name(match["scope"]) if match["scope"] else None
    return Objective(text.strip(), scope, metric, match["op"], value)


def parse_slos(text: str) -> list[Objective]:
    """Every objective of a comma-separated list; raises :class:`SloSyntaxError` on the first bad one."""
    items = [item for item in text.split(",") if item.strip()]
    if not items:
        raise SloSyntaxError("no objective given (e.g. --slo 'p95<50ms,errors<1%')")
    return [parse_objective(item) for item in items]


def judge(objectives: list[Objective], stats: dict[str, NameStats]) -> list[Verdict]:
    verdicts = []
    for objective in objectives:
        scoped = stats.get(objective.scope or AGGREGATE)
        if scoped is None or scoped.requests == 0:
            verdicts.append(Verdict(objective, None, False))
            continue
        measured = objective.measure(scoped)
        verdicts.append(Verdict(objective, measured, OPERATORS[objective.op](measured, objective.threshold)))
    return verdicts
