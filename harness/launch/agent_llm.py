"""The launcher's part for the client's agent: serve the simulated LLM and point the agent at it.

``mcp-harness up`` and the in-process launcher run the agent offline by default: the client's
``agent.model_url`` is the simulated LLM's OpenAI-compatible URL unless the client overrides already
name a model (a real endpoint), in which case no simulation is started.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from pydantic import BaseModel

from harness.fakes.llm import serve_simulated_llm
from harness.launch.options import Endpoints, LaunchOptions


class LaunchingStack(Protocol):
    """What of the launcher this needs: its exit stack and its endpoints."""

    stack: AsyncExitStack
    endpoints: Endpoints


async def with_simulated_llm(launcher: LaunchingStack, overrides: dict[str, Any]) -> dict[str, Any]:
    """``overrides`` for ``ClientSettings``, the agent wired to a simulated LLM served for the run."""
    agent = overrides.get("agent")
    agent_fields: dict[str, Any] = agent.model_dump() if isinstance(agent, BaseModel) else dict(agent or {})
    if agent_fields.get("model_url"):
        return overrides
    _, url = await launcher.stack.enter_async_context(serve_simulated_llm())
    launcher.endpoints.llm = url
    return {**overrides, "agent": {**agent_fields, "model_url": url}}


@asynccontextmanager
async def simulated_llm_options(options: LaunchOptions) -> AsyncIterator[tuple[LaunchOptions, str | None]]:
    """For runners whose client is another process: ``options`` with the agent pointed at a simulated
    LLM served by this process for the run, and its URL (None, options unchanged, when a model is named)."""
    overrides = dict(options.client_overrides)
    async with AsyncExitStack() as stack:
        holder = _Holder(stack)
        wired = await with_simulated_llm(holder, overrides)
        yield replace(options, client_overrides=wired), holder.endpoints.llm


@dataclass
class _Holder:
    stack: AsyncExitStack
    endpoints: Endpoints = field(default_factory=Endpoints)
