"""What must hold after a scenario's timeline: each expectation is judged on what the run recorded.

Calls are selected by the label their step gave (``of``), optionally narrowed to one tool or to
answers carrying one error code. Every expectation reports the value it measured, held or not.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from harness.scenario.agent_model import AgentExpect
from harness.scenario.fields import Label, OneOf, Seconds, Strict
from load.slo import parse_slos

BreakerState = Literal["closed", "open", "half_open"]


class Selection(Strict):
    of: Label = Field(description="the label of the calls (a call step's `as`)")
    tool: str | None = None
    code: str | None = Field(None, description="only answers whose error names this code")


class Calls(Selection):
    """Properties of every selected call."""

    ok: Literal["all", "none", "some"] | None = None
    error_codes: list[str] | None = Field(None, description="every failed call names one of these")
    status: int | None = Field(None, description="every call's HTTP status")
    latency_min: Seconds | None = None
    latency_max: Seconds | None = None
    structured: dict[str, Any] | None = Field(
        None, description="every ok answer's structuredContent contains this (lists: some element matches)"
    )
    at_least: int | None = Field(None, ge=0, description="at least this many calls were selected")
    clear_errors: bool = Field(False, description="every failure is an answer with a message, not a hang-up")


class Slo(Strict):
    """Service-level objectives (``mcp-harness load``'s syntax) over the selected calls or load phase."""

    of: Label
    objectives: str = Field(description="e.g. 'p95<500ms,errors<1%,wallet__transfer:p95<1s'")

    @field_validator("objectives")
    @classmethod
    def readable(cls, value: str) -> str:
        parse_slos(value)
        return value


class Isolation(Strict):
    """A fault elsewhere leaves these calls' p95 alone: p95(of) ≤ max(ratio × p95(baseline), +slack)."""

    of: Label
    baseline: Label
    p95_ratio: float = Field(3.0, gt=0)
    slack: Seconds = 0.1


class SameAnswers(Strict):
    """Every ok answer in ``of`` equals the first ok answer to the same call in ``baseline``."""

    of: Label
    baseline: Label


class BreakerIs(Strict):
    of: Label = Field(description="a breaker step's `as`: its last reading is judged")
    states: list[BreakerState] = Field(min_length=1)


class OpensWithin(Selection):
    """The breaker rejects (``code``) after at most ``failures`` other failures."""

    code: str | None = "circuit_open"
    failures: int = Field(ge=0)


class Recovery(Strict):
    """A call step with ``until: ok`` succeeded within this many seconds."""

    of: Label
    within: Seconds


class Measure(Strict):
    """A number a named step measured (see the step's documentation for its names)."""

    name: str
    at_least: float | None = None
    at_most: float | None = None
    equals: Any = None


Invariant = Literal["wallet_conservation", "one_ledger_entry_per_key", "balances_match_model"]


class Expectation(OneOf):
    title: str | None = None
    calls: Calls | None = None
    slo: Slo | None = None
    isolation: Isolation | None = None
    same_answers: SameAnswers | None = None
    breaker: BreakerIs | None = None
    opens_within: OpensWithin | None = None
    recovery: Recovery | None = None
    invariant: Invariant | None = None
    measure: Measure | None = None
    agent: AgentExpect | None = None

    @classmethod
    def common_keys(cls) -> set[str]:
        return {"title"}
