"""The agent's toolbox: the client's aggregated tools as LangChain tools, and running the calls it asks for.

The agent calls tools in-process through the same path as ``POST /v1/tools/{name}/call`` (routing,
deadlines, retries, breaker), so it needs no MCP session to its own endpoint (which is why
``langchain-mcp-adapters`` is not used here). A caller's allow-list (carried from the gateway, see
:mod:`client.caller_tools`) limits what is offered and what may run. With more tools than
``max_tools_in_prompt`` the prompt gets the best-ranked ones for the message (the client's selection)
plus ``client__find_tools``; tools that ``client__find_tools`` returns join the offer for the next step.

Every failure becomes an observation, ``ERROR (<kind>): <message>``, that the model reads and may
recover from: unknown tool, arguments breaking the schema (checked here before anything is sent),
tool errors, upstream failures (with the call's ``outcome``), the turn's deadline.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import anyio
import mcp_types as types
from jsonschema import Draft202012Validator
from langchain_core.tools import BaseTool, StructuredTool

from client.agent_settings import AgentSettings
from client.errors import ClientError
from client.router import RoutedTool

logger = logging.getLogger(__name__)


class ToolSource(Protocol):
    """What the agent needs of the client (``client.app.ClientRuntime`` satisfies it)."""

    @property
    def find_tools_name(self) -> str: ...

    def find_tools_tool(self) -> types.Tool: ...

    async def search(self, query: str, limit: int | None = None) -> list[dict[str, Any]]: ...

    async def call(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult: ...


@dataclass
class TraceEntry:
    """One tool call of a turn, as ``POST /v1/agent`` reports it."""

    tool: str
    arguments: dict[str, Any]
    ok: bool
    latency_ms: float
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Observation:
    text: str
    ok: bool


@dataclass
class Toolbox:
    """The tools one turn may use, and the record of what it used."""

    source: ToolSource
    tools: Callable[[], Sequence[RoutedTool]]
    settings: AgentSettings
    may_call: Callable[[str], bool]
    offered: list[str] = field(default_factory=list)
    trace: list[TraceEntry] = field(default_factory=list)
    _calls: dict[str, int] = field(default_factory=dict)

    def allowed(self) -> dict[str, types.Tool]:
        available = {r.name: r.tool for r in self.tools() if self.may_call(r.name)}
        if self.may_call(self.source.find_tools_name):
            available[self.source.find_tools_name] = self.source.find_tools_tool()
        return available

    async def choose(self, message: str) -> list[str]:
        """The tools offered for ``message``: all of them, or the best-ranked and ``client__find_tools``."""
        allowed = self.allowed()
        finder = self.source.find_tools_name
        plain = [name for name in allowed if name != finder]
        limit = self.settings.max_tools_in_prompt
        if len(allowed) <= limit:
            self.offered = list(allowed)
            return self.offered
        ranked = [r["name"] for r in await self.source.search(message, len(plain)) if r["name"] in allowed]
        chosen = ranked[: limit - 1]
        self.offered = [*chosen, finder] if finder in allowed else ranked[:limit]
        return self.offered

    def langchain_tools(self, deadline: float) -> list[BaseTool]:
        """The offered tools as LangChain tools; invoking one runs :meth:`run` (observation text back)."""
        allowed = self.allowed()
        return [
            self.as_langchain_tool(name, allowed[name], deadline) for name in self.offered if name in allowed
        ]

    def as_langchain_tool(self, name: str, tool: types.Tool, deadline: float) -> BaseTool:
        async def invoke(**arguments: Any) -> str:
            return (await self.run(name, arguments, deadline)).text

        return StructuredTool.from_function(
            coroutine=invoke,
            name=name,
            description=tool.description or tool.title or name,
            args_schema=dict(tool.input_schema or {"type": "object", "properties": {}}),
        )

    async def run(self, name: str, arguments: Any, deadline: float) -> Observation:
        """Call ``name`` and turn whatever happens into an observation; record it in the trace."""
        started = time.perf_counter()
        shown = arguments if isinstance(arguments, dict) else {}
        observation = await self._observe(name, arguments, deadline)
        latency_ms = round((time.perf_counter() - started) * 1000, 3)
        error = None if observation.ok else observation.text
        self.trace.append(TraceEntry(name, shown, observation.ok, latency_ms, error))
        return observation

    def malformed(self, name: str, raw: str, problem: str) -> Observation:
        """A tool call whose arguments were not JSON: nothing ran; the model is told why."""
        text = (
            f"ERROR (malformed_arguments): the arguments of {name!r} are not valid JSON ({problem}); "
            "send one JSON object"
        )
        self.trace.append(TraceEntry(name or "?", {}, False, 0.0, text))
        return Observation(text, False)

    async def _observe(self, name: str, arguments: Any, deadline: float) -> Observation:
        allowed = self.allowed()
        if name not in allowed:
            names = ", ".join(self.offered) or "none"
            return Observation(
                f"ERROR (unknown_tool): there is no tool named {name!r}; tools: {names}", False
            )
        if not isinstance(arguments, dict):
            return Observation("ERROR (invalid_arguments): arguments must be a JSON object", False)
        problems = schema_problems(dict(allowed[name].input_schema or {}), arguments)
        if problems:
            return Observation(f"ERROR (invalid_arguments): {problems}", False)
        key = json.dumps([name, arguments], sort_keys=True, default=str)
        self._calls[key] = self._calls.get(key, 0) + 1
        if self._calls[key] > self.settings.max_repeats:
            return Observation(
                f"ERROR (repeated_call): {name} was already called {self.settings.max_repeats} times with these "
                "arguments in this turn; it was not called again: answer with what you have",
                False,
            )
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Observation(
                "ERROR (deadline): the turn's deadline has passed; the tool was not called", False
            )
        try:
            with anyio.fail_after(remaining):
                result = await self.source.call(name, arguments)
        except TimeoutError:
            return Observation(f"ERROR (deadline): {name} did not answer before the turn's deadline", False)
        except ClientError as exc:
            return Observation(f"ERROR ({exc.code}): {exc.message} (outcome: {exc.outcome})", False)
        except Exception as exc:  # an observation, never a traceback to the caller
            logger.exception("agent tool call %s failed", name)
            return Observation(f"ERROR (internal): the call to {name} failed ({type(exc).__name__})", False)
        if name == self.source.find_tools_name and not result.is_error:
            self.add_found(result)
        text = result_text(result)[: self.settings.observation_chars]
        return Observation(f"ERROR (tool_error): {text}" if result.is_error else text, not result.is_error)

    def add_found(self, result: types.CallToolResult) -> None:
        found = (result.structured_content or {}).get("results") or []
        allowed = self.allowed()
        for entry in found:
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name in allowed and name not in self.offered:
                self.offered.append(name)


def schema_problems(schema: dict[str, Any], arguments: dict[str, Any], most: int = 3) -> str:
    """The first few ways ``arguments`` break ``schema`` ("" when they fit)."""
    try:
        validator = Draft202012Validator(schema)
        errors = sorted(validator.iter_errors(arguments), key=lambda e: list(e.absolute_path))
    except Exception:  # a schema the validator cannot read: let the server judge
        return ""
    parts = []
    for error in errors[:most]:
        where = ".".join(str(p) for p in error.absolute_path)
        parts.append(f"{where}: {error.message}" if where else error.message)
    return "; ".join(parts)


def result_text(result: types.CallToolResult) -> str:
    texts = [c.text for c in result.content if isinstance(c, types.TextContent)]
    if texts:
        return "\n".join(texts)
    if result.structured_content is not None:
        return json.dumps(result.structured_content)
    return "(no content)"
