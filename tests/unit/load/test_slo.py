"""SLO strings: what they mean, what is refused (with a message), and how they are judged."""

from __future__ import annotations

import pytest

from load.durations import BadDuration, parse_duration
from load.samples import Sample
from load.slo import DEFAULT_SLO, SloSyntaxError, judge, parse_slos
from load.stats import AGGREGATE, summarize


def test_objectives_are_read_with_units_and_scopes() -> None:
    objectives = parse_slos("p95<50ms, errors<1%, rps>200, wallet__transfer:p99<=0.1s, tools/list:max<2000")
    assert [(o.scope, o.metric, o.op, o.threshold) for o in objectives] == [
        (None, "p95", "<", 50.0),
        (None, "errors", "<", 0.01),
        (None, "rps", ">", 200.0),
        ("tools/call wallet__transfer", "p99", "<=", 100.0),
        ("tools/list", "max", "<", 2000.0),
    ]
    assert len(parse_slos(DEFAULT_SLO)) == 4


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("p95", "cannot read objective 'p95'"),
        ("p97<5ms", "unknown metric 'p97'"),
        ("errors<5ms", "errors take a percentage"),
        ("rps>5%", "rps takes a plain number"),
        ("p95<5%", "a latency takes ms or s"),
        ("p95<1.2.3ms", "is not a number"),
        (" , ", "no objective given"),
    ],
)
def test_bad_objectives_are_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(SloSyntaxError, match=says):
        parse_slos(text)


def samples() -> list[Sample]:
    rows = [Sample(float(i), "tools/call wallet__transfer", float(i + 1), None) for i in range(100)]
    rows += [
        Sample(float(i), "tools/call weather__get_weather", 500.0, "slow" if i < 5 else None)
        for i in range(20)
    ]
    return rows


def test_judged_overall_and_per_tool_on_exact_percentiles() -> None:
    stats = summarize(samples(), duration_s=10.0)
    transfer = stats["tools/call wallet__transfer"]
    assert (transfer.percentile(50), transfer.percentile(95), transfer.percentile(100)) == (50.0, 95.0, 100.0)
    assert stats[AGGREGATE].requests == 120 and stats[AGGREGATE].rps == 12.0
    verdicts = judge(
        parse_slos(
            "wallet__transfer:p95<96ms,weather__get_weather:errors<10%,errors<5%,rps>12,knowledge__search:p95<1s"
        ),
        stats,
    )
    assert [v.held for v in verdicts] == [True, False, True, False, False]
    assert (
        verdicts[1].describe()
        == "weather__get_weather:errors<10%: measured 25.00% (tools/call weather__get_weather)"
    )
    assert (
        verdicts[4].measured is None
        and "no 'tools/call knowledge__search' requests" in verdicts[4].describe()
    )


@pytest.mark.parametrize(
    ("text", "seconds"), [("20s", 20.0), ("1m30s", 90.0), ("500ms", 0.5), ("2h", 7200.0), (3, 3.0)]
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["20x", "s", "1m 30s", "-5"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(BadDuration):
        parse_duration(text)
