"""Judging expectations against a run's record: each gives a verdict, the value measured, and why.

A failing call-level expectation names the first offending call and the fault window it fell in, so
a failure reads "weather__get_weather ended after 2.53 s (bound 1.75 s) during latency on
client-weather (3.1–9.0 s)".
"""

from __future__ import annotations

import json
from typing import Any

from harness.report.model import ExpectationResult
from harness.scenario.agent_turns import judge_agent
from harness.scenario.context import RunContext
from harness.scenario.expect import (
    BreakerIs,
    Calls,
    Expectation,
    Isolation,
    Measure,
    OpensWithin,
    Recovery,
    SameAnswers,
    Selection,
    Slo,
)
from harness.scenario.gateway_probe import percentile
from harness.scenario.matching import matches
from harness.scenario.record import CallRecord, RunRecord


def selected(record: RunRecord, s: Selection) -> list[CallRecord]:
    chosen = record.labelled(s.of)
    if s.tool is not None:
        chosen = [c for c in chosen if c.tool == s.tool]
    if s.code is not None:
        chosen = [c for c in chosen if c.names(s.code)]
    return chosen


def where(record: RunRecord, call: CallRecord) -> str | None:
    windows = record.windows_at(call.t)
    return ", ".join(w.describe() for w in windows) if windows else None


def judge_calls(e: Calls, record: RunRecord) -> ExpectationResult:
    calls = selected(record, e)
    name = f"calls {e.of}" + (f" [{e.tool}]" if e.tool else "") + (f" [{e.code}]" if e.code else "")
    ok = sum(c.ok for c in calls)
    measured = f"{len(calls)} calls, {ok} ok"
    if calls:
        lat = [c.outcome.latency_s for c in calls]
        measured += f", {min(lat):.3f}–{max(lat):.3f} s"
    wanted: list[str] = []
    problems: list[tuple[str, CallRecord | None]] = []
    if e.at_least is not None:
        wanted.append(f"≥ {e.at_least} calls")
        if len(calls) < e.at_least:
            problems.append((f"only {len(calls)} calls (expected at least {e.at_least})", None))
    if not calls and e.at_least is None:
        problems.append(("no call was recorded under this label", None))
    if e.ok is not None:
        wanted.append(f"ok: {e.ok}")
        bad = {"all": [c for c in calls if not c.ok], "none": [c for c in calls if c.ok]}.get(e.ok, [])
        if e.ok == "some" and not ok:
            problems.append(("no call succeeded", calls[-1] if calls else None))
        for c in bad[:1]:
            problems.append(
                (f"expected {'success' if e.ok == 'all' else 'failure'}: {c.outcome.describe()}", c)
            )
    if e.error_codes is not None:
        wanted.append("errors name " + "|".join(e.error_codes))
        for c in [c for c in calls if not c.ok and not any(c.names(code) for code in e.error_codes)][:1]:
            problems.append((f"an error without {'/'.join(e.error_codes)}: {c.outcome.describe()}", c))
    if e.status is not None:
        wanted.append(f"HTTP {e.status}")
        for c in [c for c in calls if c.outcome.http_status != e.status][:1]:
            problems.append((f"HTTP {c.outcome.http_status}, not {e.status}: {c.outcome.describe()}", c))
    if e.latency_min is not None or e.latency_max is not None:
        low, high = e.latency_min or 0.0, e.latency_max if e.latency_max is not None else float("inf")
        wanted.append(f"latency {low:g}–{high:g} s")
        for c in [c for c in calls if not low <= c.outcome.latency_s <= high][:1]:
            problems.append(
                (f"{c.tool} ended after {c.outcome.latency_s:.3f} s, outside {low:g}–{high:g} s", c)
            )
    if e.structured is not None:
        wanted.append(f"answers contain {json.dumps(e.structured)[:60]}")
        for c in [c for c in calls if c.ok and not matches(e.structured, c.outcome.structured)][:1]:
            problems.append(
                (f"answer {json.dumps(c.outcome.structured)[:200]} lacks {json.dumps(e.structured)}", c)
            )
    if e.clear_errors:
        wanted.append("failures are clear errors")
        for c in [c for c in calls if not c.ok and (c.outcome.transport_error or not c.outcome.text)][:1]:
            problems.append((f"a failure without a clear error: {c.outcome.describe()}", c))
    return verdict(name, measured, ", ".join(wanted), problems, record)


def verdict(
    name: str, measured: str, expected: str, problems: list[tuple[str, CallRecord | None]], record: RunRecord
) -> ExpectationResult:
    if not problems:
        return ExpectationResult(name, True, measured, expected)
    text, call = problems[0]
    return ExpectationResult(name, False, measured, expected, text, where(record, call) if call else None)


def judge_slo(e: Slo, ctx: RunContext) -> ExpectationResult:
    from load.slo import judge, parse_slos
    from load.stats import NameStats, summarize

    stats = ctx.load_stats.get(e.of)
    if stats is None:
        calls = ctx.record.labelled(e.of)
        span = max((c.t + c.outcome.latency_s for c in calls), default=0) - min(
            (c.t for c in calls), default=0
        )
        stats = summarize_calls(calls, span, NameStats, summarize)
    verdicts = judge(parse_slos(e.objectives), stats)
    measured = "; ".join(v.describe() for v in verdicts)
    failed = [v for v in verdicts if not v.held]
    detail = "; ".join(v.describe() for v in failed)
    return ExpectationResult(f"slo {e.of}", not failed, measured, e.objectives, detail)


def summarize_calls(calls: list[CallRecord], span: float, name_stats: Any, summarize: Any) -> Any:
    from load.samples import Sample

    samples = [
        Sample(start=c.t, name=f"tools/call {c.tool}", response_ms=c.outcome.latency_s * 1000,
               failure=None if c.ok else (c.code or "error"))
        for c in calls
    ]  # fmt: skip
    return summarize(samples, span)


def judge_isolation(e: Isolation, record: RunRecord) -> ExpectationResult:
    fault, steady = record.labelled(e.of), record.labelled(e.baseline)
    name = f"isolation {e.of} vs {e.baseline}"
    if not fault or not steady:
        return ExpectationResult(name, False, "no calls", "both labels recorded", "a label has no calls")
    failed = [c for c in fault if not c.ok]
    p95_f = percentile([c.outcome.latency_s for c in fault], 95)
    p95_s = percentile([c.outcome.latency_s for c in steady], 95)
    bound = max(e.p95_ratio * p95_s, p95_s + e.slack)
    measured = f"p95 {p95_f * 1000:.0f} ms (baseline {p95_s * 1000:.0f} ms)"
    expected = f"≤ {bound * 1000:.0f} ms, every call ok"
    if failed:
        c = failed[0]
        return ExpectationResult(
            name, False, measured, expected, f"a call failed: {c.outcome.describe()}", where(record, c)
        )
    if p95_f > bound:
        detail = f"p95 rose from {p95_s * 1000:.0f} ms to {p95_f * 1000:.0f} ms: the fault leaked across"
        return ExpectationResult(name, False, measured, expected, detail, where(record, fault[-1]))
    return ExpectationResult(name, True, measured, expected)


def canonical(call: CallRecord) -> str:
    return json.dumps(call.outcome.structured, sort_keys=True)


def judge_same(e: SameAnswers, record: RunRecord) -> ExpectationResult:
    first: dict[str, str] = {}
    for c in record.labelled(e.baseline):
        if c.ok:
            first.setdefault(c.tool + json.dumps(c.arguments, sort_keys=True), canonical(c))
    compared = differing = 0
    bad: CallRecord | None = None
    for c in record.labelled(e.of):
        key = c.tool + json.dumps(c.arguments, sort_keys=True)
        if c.ok and key in first:
            compared += 1
            if canonical(c) != first[key]:
                differing += 1
                bad = bad or c
    name = f"same answers {e.of} as {e.baseline}"
    measured = f"{compared} compared, {differing} differ"
    if bad is not None:
        detail = f"{bad.tool} answered {len(canonical(bad))} bytes differing from the baseline: corrupted"
        return ExpectationResult(name, False, measured, "identical", detail, where(record, bad))
    if not first:
        return ExpectationResult(name, False, measured, "identical", "the baseline has no ok answer")
    return ExpectationResult(name, True, measured, "identical")


def judge_breaker(e: BreakerIs, record: RunRecord) -> ExpectationResult:
    readings = record.readings.get(e.of) or []
    state = readings[-1][1] if readings else None
    name = f"breaker {e.of}"
    return ExpectationResult(name, state in e.states, str(state), " or ".join(e.states),
                  "" if state in e.states else f"the breaker reads {state}")  # fmt: skip


def judge_opens(e: OpensWithin, record: RunRecord) -> ExpectationResult:
    calls = [c for c in record.labelled(e.of) if e.tool is None or c.tool == e.tool]
    code = e.code or "circuit_open"
    before = 0
    opened_at: CallRecord | None = None
    for c in calls:
        if c.names(code):
            opened_at = c
            break
        if not c.ok:
            before += 1
    name = f"breaker opens {e.of}"
    expected = f"{code} after ≤ {e.failures} failures"
    if opened_at is None:
        detail = f"no call was rejected with {code} after {before} failures"
        return ExpectationResult(name, False, f"{before} failures, never {code}", expected, detail,
                      where(record, calls[-1]) if calls else None)  # fmt: skip
    held = before <= e.failures
    detail = "" if held else f"the breaker opened only after {before} failures"
    return ExpectationResult(name, held, f"{code} after {before} failures", expected, detail)


def judge_recovery(e: Recovery, record: RunRecord) -> ExpectationResult:
    poll = record.polls.get(e.of)
    name = f"recovery {e.of}"
    if poll is None:
        return ExpectationResult(
            name, False, "no poll", f"≤ {e.within:g} s", f"no `until` step recorded as {e.of}"
        )
    held = poll.satisfied and poll.elapsed_s <= e.within
    measured = f"{poll.elapsed_s:.2f} s, {poll.attempts} attempts" + ("" if poll.satisfied else ", never ok")
    last = record.labelled(e.of)
    detail = "" if held else f"did not recover: {last[-1].outcome.describe() if last else 'no answer'}"
    return ExpectationResult(name, held, measured, f"≤ {e.within:g} s", detail)


def judge_measure(e: Measure, record: RunRecord) -> ExpectationResult:
    value = record.measurements.get(e.name)
    bounds = []
    held = value is not None
    if e.at_least is not None:
        bounds.append(f"≥ {e.at_least:g}")
        held = held and isinstance(value, int | float) and value >= e.at_least
    if e.at_most is not None:
        bounds.append(f"≤ {e.at_most:g}")
        held = held and isinstance(value, int | float) and value <= e.at_most
    if e.equals is not None:
        bounds.append(f"= {e.equals}")
        held = held and value == e.equals
    notes = record.notes.get(e.name) or []
    detail = "" if held else ("; ".join(str(n) for n in notes[:5]) or f"{e.name} is {value}")
    return ExpectationResult(
        e.name, held, "not measured" if value is None else str(value), " ".join(bounds), detail
    )


async def judge_one(expectation: Expectation, ctx: RunContext) -> ExpectationResult:
    kind, e = expectation.action()
    record = ctx.record
    if kind == "invariant":
        from harness.scenario.wallet import invariant

        held, measured, detail = await invariant(e, ctx)
        result = ExpectationResult(e, held, str(measured), "holds", "" if held else detail)
    else:
        judges: dict[str, Any] = {
            "calls": lambda: judge_calls(e, record),
            "slo": lambda: judge_slo(e, ctx),
            "isolation": lambda: judge_isolation(e, record),
            "same_answers": lambda: judge_same(e, record),
            "breaker": lambda: judge_breaker(e, record),
            "opens_within": lambda: judge_opens(e, record),
            "recovery": lambda: judge_recovery(e, record),
            "measure": lambda: judge_measure(e, record),
            "agent": lambda: judge_agent(e, ctx),
        }
        result = judges[kind]()
    if expectation.title:
        result = ExpectationResult(expectation.title, result.held, result.measured, result.expected, result.detail,
                        result.window)  # fmt: skip
    return result
