"""The simulated LLM's built-in policy: pick tools with the client's selection, fill arguments, answer.

Stateless and deterministic: every decision is re-derived from the conversation the caller sends, so
concurrent conversations need no server-side memory and the same conversation always gets the same
reply. The policy splits the user's message into tasks, ranks the offered tools for each task with the
client's BM25 selection (:class:`client.selection.Bm25Ranker`), asks ``client__find_tools`` when no
offered tool fits, and answers once every task has a result, quoting the results. Tool-call ids carry
the task index (``call_<task>_<attempt>_…``), which a conforming caller echoes back.

A tool message whose text starts with ``error`` is a failed call. After an ``unknown tool``, ``invalid
arguments`` or ``malformed arguments`` observation the policy retries that task properly (at most
:data:`MAX_ATTEMPTS` calls per task), which is what a recovering model does; any other failure is
reported in the answer. :class:`Misbehaviour` turns on the faults a real model shows.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types
from pydantic import BaseModel, Field

from client.router import RoutedTool
from client.selection import Bm25Ranker, tokenize, tool_document
from harness.fakes.llm_arguments import break_schema, fill_arguments, split_tasks

FIND_TOOLS_SUFFIX = "find_tools"
MAX_ATTEMPTS = 3
RECOVERABLE = ("unknown_tool", "unknown tool", "invalid_arguments", "invalid arguments", "malformed")
CALL_ID = re.compile(r"^call_(\d+)_(\d+)_")
SYNONYMS = {
    "pay": "transfer",
    "send": "transfer",
    "move": "transfer",
    "wire": "transfer",
    "temperature": "weather",
    "rain": "forecast weather",
    "owns": "balance",
    "money": "balance",
    "look": "search",
    "find": "search",
}


class Misbehaviour(BaseModel):
    """Faults on demand. The first three spoil only the first tool call of a conversation."""

    delay_s: float = Field(default=0.0, ge=0, le=600, description="wait this long before every reply")
    hallucinate_tool: bool = Field(default=False, description="call a tool that was not offered")
    break_schema: bool = Field(default=False, description="arguments of the wrong types + an unknown one")
    malformed_json: bool = Field(default=False, description="arguments that are not valid JSON")
    tool_loop: bool = Field(default=False, description="call the same tool again forever, never answer")


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # raw JSON text, as on the wire: it may be malformed on purpose


@dataclass(frozen=True)
class Reply:
    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass
class Attempt:
    task: int
    name: str
    arguments: str
    result: str | None = None

    @property
    def failed(self) -> bool:
        return self.result is None or self.result.lstrip().lower().startswith("error")


@dataclass
class Conversation:
    """The current turn: the last user message and the tool calls made since."""

    message: str
    attempts: list[Attempt] = field(default_factory=list)
    assistant_turns: int = 0

    def of_task(self, task: int) -> list[Attempt]:
        return [a for a in self.attempts if a.task == task]


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def read_conversation(messages: Sequence[dict[str, Any]]) -> Conversation:
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    conversation = Conversation(text_of(messages[last_user].get("content")) if last_user >= 0 else "")
    by_id: dict[str, Attempt] = {}
    for message in messages[last_user + 1 :]:
        if message.get("role") == "assistant":
            conversation.assistant_turns += 1
            for call in message.get("tool_calls") or []:
                function = call.get("function") or {}
                match = CALL_ID.match(str(call.get("id", "")))
                attempt = Attempt(int(match.group(1)) if match else 0, str(function.get("name")), "")
                attempt.arguments = str(function.get("arguments", ""))
                by_id[str(call.get("id"))] = attempt
                conversation.attempts.append(attempt)
        elif message.get("role") == "tool" and str(message.get("tool_call_id")) in by_id:
            by_id[str(message.get("tool_call_id"))].result = text_of(message.get("content"))
    return conversation


def offered_tools(tools: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """OpenAI ``tools`` entries by name → their ``function`` object."""
    offered = {}
    for entry in tools:
        function = entry.get("function") if isinstance(entry, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            offered[function["name"]] = function
    return offered


def expand(task: str) -> str:
    words = task.split()
    return " ".join(words + [SYNONYMS[w.lower()] for w in words if w.lower() in SYNONYMS])


def summarise(result: str, limit: int = 12) -> str:
    """A tool result in one line: scalar fields of a JSON object, or the text itself, shortened."""
    try:
        value = json.loads(result)
    except ValueError:
        return " ".join(result.split())[:300]
    leaves: list[str] = []

    def walk(node: Any, path: str) -> None:
        if len(leaves) >= limit:
            return
        if isinstance(node, dict):
            for key, item in node.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for index, item in enumerate(node[:3]):
                walk(item, f"{path}[{index}]")
        else:
            leaves.append(f"{path}={str(node)[:60]}")

    walk(value, "")
    return ", ".join(leaves) if leaves else json.dumps(value)[:300]


class ToolPolicy:
    """Decides the next reply of a conversation: tool calls or the final answer."""

    def __init__(self) -> None:
        self.ranker = Bm25Ranker()

    async def decide(
        self, conversation: Conversation, tools: Sequence[dict[str, Any]], behaviour: Misbehaviour
    ) -> Reply:
        offered = offered_tools(tools)
        tasks = split_tasks(conversation.message)
        if behaviour.tool_loop and tasks:
            call = await self.call_for(conversation, 0, tasks[0], offered, allow_find=False)
            if call is not None:
                return Reply(tool_calls=(call,))
        outcomes: list[str] = []
        for index, task in enumerate(tasks):
            attempts = conversation.of_task(index)
            last = attempts[-1] if attempts else None
            if last is None or self.should_retry(last, attempts):
                call = await self.call_for(conversation, index, task, offered, allow_find=last is None)
                if call is None:
                    outcomes.append(f"{task}: no tool I was offered can do this")
                    continue
                if not conversation.attempts:
                    call = self.spoil(call, offered, behaviour)
                return Reply(tool_calls=(call,))
            if last.name.endswith(FIND_TOOLS_SUFFIX) and not last.failed:
                call = await self.call_for(conversation, index, task, offered, allow_find=False)
                if call is not None and len(attempts) < MAX_ATTEMPTS:
                    return Reply(tool_calls=(call,))
                outcomes.append(f"{task}: no tool I was offered can do this")
                continue
            outcomes.append(self.outcome(task, last))
        lines = [f"{n}. {text}" for n, text in enumerate(outcomes, 1)]
        return Reply(content="Here is what I found:\n" + "\n".join(lines))

    @staticmethod
    def should_retry(last: Attempt, attempts: list[Attempt]) -> bool:
        if not last.failed or len(attempts) >= MAX_ATTEMPTS or last.result is None:
            return False
        text = last.result.lower()
        return any(marker in text for marker in RECOVERABLE)

    @staticmethod
    def outcome(task: str, attempt: Attempt) -> str:
        if attempt.failed:
            return f"{task}: FAILED ({attempt.name}): {summarise(attempt.result or 'no result')}"
        return f"{task} ({attempt.name}): {summarise(attempt.result or '')}"

    async def call_for(
        self,
        conversation: Conversation,
        index: int,
        task: str,
        offered: dict[str, dict[str, Any]],
        *,
        allow_find: bool,
    ) -> ToolCall | None:
        candidates = [
            RoutedTool(name, name.partition("__")[0], name.partition("__")[2] or name, as_tool(function))
            for name, function in offered.items()
            if not name.endswith(FIND_TOOLS_SUFFIX)
        ]
        ranked = [s.name for s in await self.ranker.rank(expand(task), candidates, 1)]
        ranked = ranked or best_overlap(expand(task), candidates)
        call_id = f"call_{index}_{len(conversation.attempts)}_{hashlib.sha256(task.encode()).hexdigest()[:8]}"
        if ranked:
            schema = dict(offered[ranked[0]].get("parameters") or {})
            arguments = fill_arguments(schema, task, conversation.message, index)
            return ToolCall(call_id, ranked[0], json.dumps(arguments))
        finder = next((name for name in offered if name.endswith(FIND_TOOLS_SUFFIX)), None)
        if finder is not None and allow_find:
            return ToolCall(call_id, finder, json.dumps({"query": expand(task)}))
        return None

    @staticmethod
    def spoil(call: ToolCall, offered: dict[str, dict[str, Any]], behaviour: Misbehaviour) -> ToolCall:
        if behaviour.hallucinate_tool:
            return ToolCall(call.id, f"{call.name}_v2", call.arguments)
        if behaviour.break_schema:
            schema = dict(offered.get(call.name, {}).get("parameters") or {})
            return ToolCall(call.id, call.name, json.dumps(break_schema(schema, json.loads(call.arguments))))
        if behaviour.malformed_json:
            # Python-style quotes, a classic model slip that even lenient partial-JSON parsers refuse
            broken = call.arguments.replace('"', "'") if call.arguments != "{}" else "{,}"
            return ToolCall(call.id, call.name, broken)
        return call


def best_overlap(query: str, tools: Sequence[RoutedTool]) -> list[str]:
    """The tool sharing most words with the query: BM25 scores nothing when a term is in half the tools."""
    terms = set(tokenize(query))
    scored = [(len(terms & set(tool_document(t))), t.name) for t in tools]
    best = min(scored, key=lambda pair: (-pair[0], pair[1]), default=(0, ""))
    return [best[1]] if best[0] > 0 else []


def as_tool(function: dict[str, Any]) -> types.Tool:
    schema = function.get("parameters")
    return types.Tool(
        name=str(function["name"]),
        description=str(function.get("description") or ""),
        input_schema=schema if isinstance(schema, dict) else {"type": "object"},
    )
