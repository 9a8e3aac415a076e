"""Scripts for the simulated LLM: exactly which tool calls to make, in which turn, and the final answer.

A script is chosen by the request's ``model`` (``script:<name>``) or by its ``match`` pattern found in
the user's message. Turn *n* of a conversation (the *n*-th assistant reply after the user's message)
plays ``turns[n]``; past the last turn the script answers with its last ``answer`` (or says it ran out).
An answer may quote the observations: ``{results}`` (every tool result, joined) and ``{last}``.
``arguments`` given as a string are sent as they are, so a script can send malformed JSON on purpose::

    - name: weather-then-pay
      match: "weather .* then pay"
      turns:
        - tool_calls: [{name: weather__get_weather, arguments: {city: Paris}}]
        - tool_calls: [{name: wallet__transfer, arguments: {from_account: alice, to_account: bob,
                        amount: 500, idempotency_key: k-1}}]
        - answer: "Done: {results}"
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, TypeAdapter, model_validator

from harness.fakes.llm_policy import Conversation, Reply, ToolCall, summarise


class ScriptCall(BaseModel):
    name: str = Field(min_length=1)
    arguments: dict[str, Any] | str = Field(default_factory=dict)

    def wire_arguments(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


class ScriptTurn(BaseModel):
    """One assistant reply: tool calls, or the final answer."""

    tool_calls: list[ScriptCall] = Field(default_factory=list)
    answer: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ScriptTurn:
        if bool(self.tool_calls) == (self.answer is not None):
            raise ValueError("a turn has either tool_calls or an answer")
        return self


class LlmScript(BaseModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    match: str | None = Field(default=None, description="regular expression searched in the user's message")
    turns: list[ScriptTurn] = Field(min_length=1)

    @model_validator(mode="after")
    def _pattern_compiles(self) -> LlmScript:
        if self.match is not None:
            try:
                re.compile(self.match)
            except re.error as exc:
                raise ValueError(f"script {self.name!r}: match is not a valid pattern: {exc}") from None
        return self

    def applies(self, model: str, message: str) -> bool:
        if model == f"script:{self.name}":
            return True
        return self.match is not None and re.search(self.match, message, re.IGNORECASE) is not None

    def play(self, conversation: Conversation) -> Reply:
        turn_index = conversation.assistant_turns
        if turn_index >= len(self.turns):
            last = next((t.answer for t in reversed(self.turns) if t.answer is not None), None)
            return Reply(content=self.fill(last or f"(script {self.name} has no more turns)", conversation))
        turn = self.turns[turn_index]
        if turn.answer is not None:
            return Reply(content=self.fill(turn.answer, conversation))
        calls = tuple(
            ToolCall(f"call_0_{turn_index}_{n}", c.name, c.wire_arguments())
            for n, c in enumerate(turn.tool_calls)
        )
        return Reply(tool_calls=calls)

    @staticmethod
    def fill(answer: str, conversation: Conversation) -> str:
        results = [summarise(a.result or "no result") for a in conversation.attempts]
        return answer.replace("{results}", "; ".join(results)).replace(
            "{last}", results[-1] if results else ""
        )


SCRIPTS = TypeAdapter(list[LlmScript])


def load_scripts(path: Path) -> list[LlmScript]:
    """Scripts from a YAML or JSON file holding a list of scripts."""
    return SCRIPTS.validate_python(yaml.safe_load(path.read_text()) or [])


def pick_script(scripts: Sequence[LlmScript], model: str, message: str) -> LlmScript | None:
    return next((s for s in scripts if s.applies(model, message)), None)
