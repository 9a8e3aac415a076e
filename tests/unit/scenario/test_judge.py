"""Judging expectations on a recorded run: each holds on good data, breaks on bad data, and says where."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from harness.scenario.context import RunContext
from harness.scenario.expect import Expectation
from harness.scenario.gateway_probe import CallOutcome
from harness.scenario.judge import judge_one
from harness.scenario.record import CallRecord, FaultWindow, Poll, RunRecord


def ok(tool: str, latency: float, structured: dict[str, Any] | None = None) -> CallOutcome:
    return CallOutcome(tool, latency, 200, structured=structured)


def failed(tool: str, latency: float, text: str, status: int = 200) -> CallOutcome:
    return CallOutcome(tool, latency, status, is_error=True, text=text)


def record_of(*calls: tuple[str, float, CallOutcome], arguments: dict[str, Any] | None = None) -> RunRecord:
    record = RunRecord()
    record.calls = [CallRecord(label, t, arguments or {}, outcome) for label, t, outcome in calls]
    record.windows = [FaultWindow("slow", "latency", "client-weather", 1.0, 2.0)]
    return record


def judge(record: RunRecord, expectation: dict[str, Any]) -> Any:
    ctx = RunContext.__new__(RunContext)
    ctx.record, ctx.load_stats = record, {}
    return anyio.run(judge_one, Expectation.model_validate(expectation), ctx)


def test_calls_at_the_deadline_hold_and_a_late_one_is_named_with_its_window() -> None:
    timeouts = [
        ("fault", 1.2 + i / 10, failed("weather__get_weather", 1.0, "upstream_timeout: 1 s"))
        for i in range(3)
    ]
    spec = {"calls": {"of": "fault", "ok": "none", "error_codes": ["upstream_timeout"], "latency_max": 1.75}}
    assert judge(record_of(*timeouts), spec).held
    late = judge(
        record_of(*timeouts, ("fault", 1.5, failed("weather__get_weather", 2.5, "upstream_timeout"))), spec
    )
    assert not late.held
    assert late.detail == "weather__get_weather ended after 2.500 s, outside 0–1.75 s"
    assert late.window == "latency on client-weather (1.0–2.0 s)"
    wrong = judge(
        record_of(("fault", 0.1, failed("weather__get_weather", 0.2, "upstream_unavailable"))), spec
    )
    assert not wrong.held and "an error without upstream_timeout" in wrong.detail and wrong.window is None


def test_structured_content_matches_as_a_subset_and_lists_by_element() -> None:
    health = ok(
        "weather__health",
        0.01,
        {
            "status": "degraded",
            "backends": [{"name": "mongo", "ok": True}, {"name": "weather-api", "ok": False}],
        },
    )
    spec = {
        "calls": {
            "of": "h",
            "structured": {"status": "degraded", "backends": [{"name": "weather-api", "ok": False}]},
        }
    }
    assert judge(record_of(("h", 0.0, health)), spec).held
    spec["calls"]["structured"]["backends"][0]["ok"] = True
    assert not judge(record_of(("h", 0.0, health)), spec).held


def test_isolation_compares_p95_against_the_baseline_bound() -> None:
    steady = [("steady", 0.0, ok("wallet__get_balance", 0.02)) for _ in range(20)]
    calm = [("fault", 1.5, ok("wallet__get_balance", 0.05)) for _ in range(20)]
    spec = {"isolation": {"of": "fault", "baseline": "steady", "p95_ratio": 3, "slack": "100ms"}}
    held = judge(record_of(*steady, *calm), spec)
    assert (
        held.held and held.measured == "p95 50 ms (baseline 20 ms)" and held.expected.startswith("≤ 120 ms")
    )
    leaky = [("fault", 1.5, ok("wallet__get_balance", 0.9)) for _ in range(20)]
    broken = judge(record_of(*steady, *leaky), spec)
    assert not broken.held and "leaked" in broken.detail and broken.window is not None


def test_same_answers_catch_a_corrupted_result() -> None:
    steady = ("steady", 0.0, ok("knowledge__search", 0.1, {"hits": [1, 2, 3]}))
    spec = {"same_answers": {"of": "fault", "baseline": "steady"}}
    assert judge(
        record_of(steady, ("fault", 1.5, ok("knowledge__search", 0.4, {"hits": [1, 2, 3]}))), spec
    ).held
    corrupted = judge(record_of(steady, ("fault", 1.5, ok("knowledge__search", 0.4, {"hits": [1, 2]}))), spec)
    assert not corrupted.held and "corrupted" in corrupted.detail


def test_the_breaker_must_open_within_its_failures() -> None:
    down = [("fault", 1.1, failed("knowledge__search", 0.02, "upstream_unavailable")) for _ in range(4)]
    rejected = [("fault", 1.2, failed("knowledge__search", 0.003, "circuit_open: rejected"))]
    spec = {"opens_within": {"of": "fault", "failures": 4}}
    assert judge(record_of(*down, *rejected), spec).measured == "circuit_open after 4 failures"
    late = judge(record_of(*down, *down, *rejected), {"opens_within": {"of": "fault", "failures": 4}})
    assert not late.held and late.detail == "the breaker opened only after 8 failures"
    never = judge(record_of(*down), spec)
    assert not never.held and never.detail == "no call was rejected with circuit_open after 4 failures"


def test_recovery_breaker_states_and_measures() -> None:
    record = record_of(("recover", 2.5, ok("weather__get_weather", 0.02)))
    record.polls["recover"] = Poll(True, 1.1, 12)
    record.readings["b"] = [(1.0, "closed"), (1.5, "open")]
    record.measure("recall.recall", 0.85)
    record.measure("x.failed", 2, ["wallet__deposit: redis unavailable"])
    assert judge(record, {"recovery": {"of": "recover", "within": "10s"}}).held
    assert not judge(record, {"recovery": {"of": "recover", "within": "1s"}}).held
    assert judge(record, {"breaker": {"of": "b", "states": ["open", "half_open"]}}).held
    assert not judge(record, {"breaker": {"of": "b", "states": ["closed"]}}).held
    assert judge(record, {"measure": {"name": "recall.recall", "at_least": 0.7}}).held
    broken = judge(record, {"title": "every tool answers", "measure": {"name": "x.failed", "equals": 0}})
    assert (broken.name, broken.held, broken.detail) == (
        "every tool answers",
        False,
        "wallet__deposit: redis unavailable",
    )
    assert judge(record, {"measure": {"name": "absent", "at_most": 1}}).measured == "not measured"


@pytest.mark.parametrize(
    ("objectives", "held"), [("p95<100ms,errors<1%", True), ("weather__get_weather:p95<10ms", False)]
)
def test_slo_on_recorded_calls(objectives: str, held: bool) -> None:
    calls = [("c", i / 10, ok("weather__get_weather", 0.05)) for i in range(30)]
    assert judge(record_of(*calls), {"slo": {"of": "c", "objectives": objectives}}).held is held
