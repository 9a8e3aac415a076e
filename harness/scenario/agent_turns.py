"""Running an ``agent`` step and judging an ``agent`` expectation on the turns it recorded.

A turn is kept whole (answer, trace, stop reason, HTTP status) so an expectation can say which tool
failed and why; it is also recorded as one call (tool ``agent``) so the report's timeline and the
``calls``/``slo`` expectations see it next to the fault windows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness.report.model import ExpectationResult
from harness.scenario.agent_model import AgentExpect, AgentStep
from harness.scenario.context import RunContext, StepError
from harness.scenario.gateway_probe import CallOutcome
from harness.scenario.record import CallRecord

AGENT_TOOL = "agent"


@dataclass(frozen=True)
class AgentTurn:
    t: float
    message: str
    latency_s: float
    http_status: int | None
    answer: str = ""
    trace: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str | None = None
    problem: str | None = None  # no answer, or not the route's JSON

    def describe(self) -> str:
        if self.problem:
            return f"the turn failed after {self.latency_s:.2f} s: {self.problem}"
        tools = ", ".join(f"{e.get('tool')} {'ok' if e.get('ok') else 'failed'}" for e in self.trace)
        return f"{tools or 'no tools'}; {self.stop_reason}; {self.latency_s:.2f} s: {self.answer[:160]!r}"


@dataclass
class AgentTurns:
    by_label: dict[str, list[AgentTurn]] = field(default_factory=dict)


def turns(ctx: RunContext) -> AgentTurns:
    return ctx.state.setdefault(AgentTurns, AgentTurns())  # type: ignore[no-any-return]


def behaviour_url(ctx: RunContext) -> str:
    llm = ctx.reached.endpoints.llm if ctx.reached.endpoints else None
    if not llm:
        raise StepError("agent behaviour needs the simulated LLM of a launched deployment")
    return llm.removesuffix("/v1") + "/sim/behaviour"


@asynccontextmanager
async def misbehaving(ctx: RunContext, step: AgentStep) -> Any:
    """The simulated LLM misbehaving as ``step.behaviour`` says, for the step only."""
    if step.behaviour is None:
        yield
        return
    url = behaviour_url(ctx)
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.put(url, json=step.behaviour.model_dump())
        if answer.status_code != 200:
            raise StepError(
                f"the simulated LLM refused the behaviour: HTTP {answer.status_code} {answer.text}"
            )
        try:
            yield
        finally:
            await http.put(url, json={})


async def agent_step(step: AgentStep, ctx: RunContext) -> None:
    headers = {"Authorization": f"Bearer {ctx.reached.api_key}"}
    message = ctx.render(step.message, 0, step.as_)
    async with misbehaving(ctx, step), httpx.AsyncClient(headers=headers, timeout=step.timeout) as http:
        t = ctx.record.now()
        started = time.perf_counter()
        try:
            response = await http.post(ctx.probe.base_url + "/v1/agent", json={"message": message})
        except httpx.HTTPError as exc:
            turn = AgentTurn(
                t, message, time.perf_counter() - started, None, problem=f"{type(exc).__name__}: {exc}"
            )
        else:
            turn = parse_turn(t, message, time.perf_counter() - started, response)
    turns(ctx).by_label.setdefault(step.as_, []).append(turn)
    ctx.record.calls.append(CallRecord(step.as_, t, {"message": message}, outcome(turn)))


def parse_turn(t: float, message: str, latency_s: float, response: httpx.Response) -> AgentTurn:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or response.status_code != 200:
        problem = f"HTTP {response.status_code}: {response.text[:300]}"
        return AgentTurn(t, message, latency_s, response.status_code, problem=problem)
    trace = [e for e in body.get("trace") or [] if isinstance(e, dict)]
    return AgentTurn(
        t, message, latency_s, 200, str(body.get("answer") or ""), trace, str(body.get("stop_reason"))
    )


def outcome(turn: AgentTurn) -> CallOutcome:
    failed = turn.problem is not None or turn.stop_reason != "answer"
    text = turn.problem or ("" if not failed else f"agent_{turn.stop_reason}: {turn.answer[:200]}")
    return CallOutcome(AGENT_TOOL, turn.latency_s, turn.http_status, failed, text or turn.answer[:200])


def turn_problems(e: AgentExpect, turn: AgentTurn) -> Iterator[str]:
    if turn.problem is not None:
        yield turn.describe()
        return
    tools = [str(entry.get("tool")) for entry in turn.trace]
    failed = [entry for entry in turn.trace if not entry.get("ok")]
    if e.tools_in_order is not None and tools != e.tools_in_order:
        yield f"the agent called {tools}, not {e.tools_in_order}"
    if e.all_ok and failed:
        yield f"{failed[0].get('tool')} failed: {str(failed[0].get('error'))[:200]}"
    if e.failed_tools is not None and [str(f.get("tool")) for f in failed] != e.failed_tools:
        yield f"failed tools were {[f.get('tool') for f in failed]}, not {e.failed_tools}"
    if e.errors_name is not None:
        for entry in failed:
            error = str(entry.get("error") or "")
            if not any(code in error for code in e.errors_name):
                yield f"{entry.get('tool')}'s error names none of {e.errors_name}: {error[:200]}"
    if e.answer_contains is not None:
        missing = [part for part in e.answer_contains if part not in turn.answer]
        if missing:
            yield f"the answer lacks {missing}: {turn.answer[:200]!r}"
    if e.max_latency is not None and turn.latency_s > e.max_latency:
        yield f"the turn took {turn.latency_s:.2f} s (bound {e.max_latency:g} s)"
    if e.stop_reason is not None and turn.stop_reason != e.stop_reason:
        yield f"the turn stopped with {turn.stop_reason}, not {e.stop_reason}"


def judge_agent(e: AgentExpect, ctx: RunContext) -> ExpectationResult:
    recorded = turns(ctx).by_label.get(e.of) or []
    name = f"agent {e.of}"
    expected = expectation_text(e)
    if not recorded:
        return ExpectationResult(name, False, "no turn", expected, f"no agent turn was recorded as {e.of}")
    measured = "; ".join(turn.describe() for turn in recorded)[:400]
    for turn in recorded:
        for problem in turn_problems(e, turn):
            windows = ctx.record.windows_at(turn.t)
            where = ", ".join(w.describe() for w in windows) if windows else None
            return ExpectationResult(name, False, measured, expected, problem, where)
    return ExpectationResult(name, True, measured, expected)


def expectation_text(e: AgentExpect) -> str:
    parts = []
    if e.tools_in_order is not None:
        parts.append("tools " + " → ".join(e.tools_in_order))
    if e.all_ok:
        parts.append("every tool ok")
    if e.failed_tools is not None:
        parts.append(f"failed: {', '.join(e.failed_tools) or 'none'}")
    if e.errors_name is not None:
        parts.append("errors name " + "|".join(e.errors_name))
    if e.answer_contains is not None:
        parts.append("answer has " + ", ".join(repr(p) for p in e.answer_contains))
    if e.max_latency is not None:
        parts.append(f"≤ {e.max_latency:g} s")
    if e.stop_reason is not None:
        parts.append(f"stops with {e.stop_reason}")
    return ", ".join(parts)
