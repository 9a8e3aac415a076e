"""An agent wired to the simulated LLM (in memory, through the OpenAI SDK) and a scripted tool source."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import mcp_types as types
import pytest

from client.agent import Agent
from client.agent_settings import AgentSettings
from client.chat_model import build_chat_model
from client.router import RoutedTool
from harness.fakes.llm import SimulatedLlm

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
STRING = {"type": "string"}
TOOLS: dict[str, tuple[str, dict[str, Any]]] = {
    "weather__get_weather": (
        "Current conditions for a city name.",
        {"type": "object", "properties": {"city": STRING}, "required": ["city"]},
    ),
    "wallet__transfer": (
        "Move amount between two existing accounts, atomically; never overdraws.",
        {
            "type": "object",
            "properties": {
                "from_account": STRING,
                "to_account": STRING,
                "amount": {"type": "integer", "description": "minor units (e.g. cents)"},
                "idempotency_key": STRING,
            },
            "required": ["from_account", "to_account", "amount", "idempotency_key"],
            "additionalProperties": False,
        },
    ),
    "wallet__get_balance": (
        "The account's balance in minor units.",
        {"type": "object", "properties": {"account": STRING}, "required": ["account"]},
    ),
}


@dataclass
class FakeSource:
    """Tools answering from handlers; records each call that really ran."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    find_tools_name: str = "client__find_tools"

    def routed(self) -> list[RoutedTool]:
        return [
            RoutedTool(name, name.split("__")[0], name.split("__")[1],
                       types.Tool(name=name, description=d, input_schema=s))
            for name, (d, s) in TOOLS.items()
        ]  # fmt: skip

    def find_tools_tool(self) -> types.Tool:
        return types.Tool(
            name=self.find_tools_name,
            description="Find the tools best suited to a task",
            input_schema={"type": "object", "properties": {"query": STRING}, "required": ["query"]},
        )

    async def search(self, query: str, limit: int | None = None) -> list[dict[str, Any]]:
        from client.selection import ToolSelector

        found = await ToolSelector().find(query, self.routed(), limit or 5)
        return [{"name": s.name, "score": s.score, "description": s.description} for s in found]

    async def call(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        self.calls.append((name, arguments))
        if name == self.find_tools_name:
            results = await self.search(str(arguments["query"]), 3)
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=json.dumps(results))],
                structured_content={"results": results},
            )
        handler = self.handlers.get(name, default_handler(name))
        payload = await handler(arguments)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=json.dumps(payload))], structured_content=payload
        )


def default_handler(name: str) -> Handler:
    async def answer(arguments: dict[str, Any]) -> dict[str, Any]:
        if name == "weather__get_weather":
            return {"place": {"name": arguments["city"]}, "temperature_c": 17.5}
        if name == "wallet__transfer":
            return {
                "from_account": arguments["from_account"],
                "amount": arguments["amount"],
                "to_balance": 1500,
            }
        return {"account": arguments.get("account"), "balance": 4200}

    return answer


@dataclass
class AgentRig:
    llm: SimulatedLlm
    source: FakeSource
    agent: Agent


@pytest.fixture
def rig_factory() -> Callable[..., AgentRig]:
    def build(*, streaming: bool = False, llm: SimulatedLlm | None = None, **settings: Any) -> AgentRig:
        llm = llm or SimulatedLlm()
        source = FakeSource()
        agent_settings = AgentSettings(model_url="http://sim/v1", streaming=streaming, **settings)
        http = httpx.AsyncClient(transport=httpx.ASGITransport(llm.app))
        model = build_chat_model(agent_settings, http_client=http)
        return AgentRig(llm, source, Agent(model, source, source.routed, agent_settings))

    return build
