"""The ``agent`` step and the ``agent`` expectation: one agent turn through the gateway, and what it did.

Kept apart from the step and expectation catalogues so both can name it without importing each other.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from harness.fakes.llm_policy import Misbehaviour
from harness.scenario.fields import Label, Seconds, Strict


class Behaviour(Misbehaviour):
    """The simulated LLM's misbehaviour, strict: a misspelt fault must not silently do nothing."""

    model_config = ConfigDict(extra="forbid")


class AgentStep(Strict):
    """``POST /v1/agent`` through the gateway with the scenario's key, recorded under ``as``.

    ``behaviour`` switches the simulated LLM's misbehaviour on for this step only (it is switched off
    again afterwards); it needs a launched deployment with the simulated LLM.
    """

    message: str = Field(min_length=1, description="what the caller asks, e.g. 'weather in Paris'")
    as_: Label = Field(alias="as")
    behaviour: Behaviour | None = Field(None, description="the simulated LLM's faults during this step")
    timeout: Seconds = Field(60.0, description="our own patience for the turn")


class AgentExpect(Strict):
    """Properties of every agent turn recorded under ``of`` (its answer and its tool trace)."""

    of: Label = Field(description="the label of the turns (an agent step's `as`)")
    tools_in_order: list[str] | None = Field(None, description="the trace's tools, exactly and in order")
    answer_contains: list[str] | None = Field(None, description="each of these is in the answer")
    max_latency: Seconds | None = Field(None, description="the whole turn, as the caller saw it")
    all_ok: bool | None = Field(None, description="true: every tool call succeeded")
    failed_tools: list[str] | None = Field(None, description="exactly these tool calls failed, in order")
    errors_name: list[str] | None = Field(
        None, description="every failed tool call's error names one of these"
    )
    stop_reason: str | None = Field("answer", description="how the turn ended (answer, step_limit, …)")
