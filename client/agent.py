"""The client's LangGraph agent: a tool-calling loop with a step limit and a per-turn deadline.

The graph has two nodes, ``model`` (the chat model with the offered tools bound) and ``tools`` (every
tool call of the last reply run through :class:`~client.agent_tools.Toolbox`, each answered with a
``ToolMessage``), and loops until the model answers without tool calls. It always ends with an answer:

* a tool that fails, does not exist, gets arguments that break its schema or are not JSON at all →
  an ``ERROR (…)`` observation the model reads and may recover from;
* ``max_steps`` model calls → the turn stops and says what the tools returned so far (``step_limit``);
* the turn's deadline → every model and tool call is bounded by what is left of it (``deadline``);
* the model itself failing (unreachable, HTTP error, too slow) → ``model_error``, which the route maps
  to 502. No exception of a turn reaches the caller.

The chat model is any LangChain chat model; :func:`client.chat_model.build_chat_model` makes an
OpenAI-compatible one from settings (a real endpoint or ``harness.fakes.llm``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypedDict

import anyio
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages

from client.agent_settings import AgentSettings
from client.agent_tools import Toolbox, ToolSource, TraceEntry
from client.router import RoutedTool

logger = logging.getLogger(__name__)
StopReason = Literal["answer", "step_limit", "deadline", "model_error"]
SYSTEM_PROMPT = (
    "You are an assistant that completes the user's tasks by calling tools. Call tools when a task needs "
    "data or an action; a result starting with 'ERROR' means the call failed: fix the call if you can, "
    "otherwise say what failed. When you are done, answer briefly, quoting the results."
)


class AgentState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


@dataclass
class Turn:
    """One request's progress, outside the graph state so a deadline cannot lose it."""

    toolbox: Toolbox
    deadline: float
    steps: int = 0
    stop_reason: StopReason = "answer"
    problem: str | None = None

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


@dataclass
class AgentResult:
    answer: str
    trace: list[TraceEntry]
    steps: int
    stop_reason: StopReason
    problem: str | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "answer": self.answer,
            "trace": [t.as_json() for t in self.trace],
            "steps": self.steps,
            "stop_reason": self.stop_reason,
        }
        if self.problem:
            body["problem"] = self.problem
        return body


@dataclass
class Agent:
    """Answers messages with the tools of ``source``; one compiled graph serves every turn."""

    model: BaseChatModel
    source: ToolSource
    tools: Callable[[], Sequence[RoutedTool]]
    settings: AgentSettings
    graph: Any = field(init=False)

    def __post_init__(self) -> None:
        builder = StateGraph(AgentState)
        builder.add_node("model", self._model_node)
        builder.add_node("tools", self._tools_node)
        builder.add_edge(START, "model")
        builder.add_conditional_edges("model", self._after_model, {"tools": "tools", "end": END})
        builder.add_edge("tools", "model")
        self.graph = builder.compile()

    async def run(self, message: str, may_call: Callable[[str], bool] = lambda _: True) -> AgentResult:
        toolbox = Toolbox(self.source, self.tools, self.settings, may_call)
        turn = Turn(toolbox, time.monotonic() + self.settings.turn_deadline_s)
        messages: list[AnyMessage] = [SystemMessage(SYSTEM_PROMPT), HumanMessage(message)]
        final: list[AnyMessage] = messages
        config: RunnableConfig = {
            "configurable": {"turn": turn},
            "recursion_limit": 2 * self.settings.max_steps + 4,
        }
        with anyio.move_on_after(self.settings.turn_deadline_s + 1.0):  # a safety net: nodes bound themselves
            await toolbox.choose(message)
            state = await self.graph.ainvoke({"messages": messages}, config)
            final = state["messages"]
        if turn.remaining() <= -1.0 and turn.stop_reason == "answer":
            turn.stop_reason = "deadline"
        return AgentResult(
            self.answer(turn, final), toolbox.trace, turn.steps, turn.stop_reason, turn.problem
        )

    def answer(self, turn: Turn, messages: Sequence[AnyMessage]) -> str:
        last = messages[-1] if messages else None
        if turn.stop_reason == "answer" and isinstance(last, AIMessage) and not last.tool_calls:
            return message_text(last)
        done = "; ".join(
            f"{t.tool}: {'ok' if t.ok else 'failed: ' + (t.error or '')[:200]}" for t in turn.toolbox.trace
        )
        reason = {
            "step_limit": f"I stopped after {turn.steps} steps (the limit) without a final answer",
            "deadline": f"I ran out of time: the turn's deadline of {self.settings.turn_deadline_s:g} s passed",
            "model_error": f"The language model failed: {turn.problem}",
            "answer": "The turn ended without an answer",
        }[turn.stop_reason]
        return f"{reason.rstrip('.')}. Tool calls so far: {done or 'none'}."

    @staticmethod
    def _turn(config: RunnableConfig) -> Turn:
        turn = (config.get("configurable") or {}).get("turn")
        assert isinstance(turn, Turn)
        return turn

    async def _model_node(self, state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        turn = self._turn(config)
        if turn.steps >= self.settings.max_steps:
            turn.stop_reason = "step_limit"
            return {}
        remaining = turn.remaining()
        if remaining <= 0:
            turn.stop_reason = "deadline"
            return {}
        tools = turn.toolbox.langchain_tools(turn.deadline)
        bound = self.model.bind_tools(tools) if tools else self.model
        turn.steps += 1
        try:
            with anyio.fail_after(min(self.settings.model_timeout_s, remaining)):
                reply = await bound.ainvoke(state["messages"])
        except TimeoutError:
            if turn.remaining() <= 0:
                turn.stop_reason = "deadline"
            else:
                turn.stop_reason, turn.problem = "model_error", "no reply within model_timeout_s"
            return {}
        except Exception as exc:  # whatever the model client raises becomes a stated failure
            logger.warning("agent model call failed: %s: %s", type(exc).__name__, exc)
            turn.stop_reason, turn.problem = "model_error", f"{type(exc).__name__}: {str(exc)[:300]}"
            return {}
        return {"messages": [reply]}

    def _after_model(self, state: AgentState, config: RunnableConfig) -> str:
        turn = self._turn(config)
        last = state["messages"][-1]
        if turn.stop_reason != "answer" or not isinstance(last, AIMessage):
            return "end"
        return "tools" if (last.tool_calls or last.invalid_tool_calls) else "end"

    async def _tools_node(self, state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        turn = self._turn(config)
        last = state["messages"][-1]
        assert isinstance(last, AIMessage)
        answers: list[AnyMessage] = []
        for call in last.tool_calls:
            observation = await turn.toolbox.run(call["name"], call["args"], turn.deadline)
            status: Literal["success", "error"] = "success" if observation.ok else "error"
            answers.append(ToolMessage(observation.text, tool_call_id=call["id"] or "", status=status))
        for bad in last.invalid_tool_calls:
            observation = turn.toolbox.malformed(
                bad.get("name") or "", bad.get("args") or "", bad.get("error") or ""
            )
            answers.append(ToolMessage(observation.text, tool_call_id=bad.get("id") or "", status="error"))
        return {"messages": answers}


def message_text(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in content)
