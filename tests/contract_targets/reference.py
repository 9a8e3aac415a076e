"""The correct fixture server: an SDK ``MCPServer`` with a few tools, prompts and resources, paginated
lists, and an unknown tool or prompt answered with a JSON-RPC error (as the spec says; mcp 2.3.0 itself
answers isError and an internal error).

Run over stdio with ``python -m tests.contract_targets.reference``.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context
from mcp.types import ListToolsResult, ToolAnnotations
from pydantic import BaseModel, Field

from servers.common.strict_server import ReferenceMCPServer
from tests.contract_targets.reference_prompts import (
    PagedPromptsAndResources,
    add_prompts_and_resources,
    page_of,
)

LONG_TOOL = "wait"


class Sum(BaseModel):
    total: int


class ReferenceServer(PagedPromptsAndResources, ReferenceMCPServer):
    """Our servers' strict errors (unknown tool or prompt: -32602) plus cursor pagination of every list."""

    async def _handle_list_tools(self, ctx: Any, params: Any) -> ListToolsResult:
        tools, next_cursor = page_of(await self.list_tools(), params)
        return ListToolsResult(tools=tools, next_cursor=next_cursor)


def build_reference_server(server_class: type[ReferenceServer] = ReferenceServer) -> ReferenceServer:
    server = server_class("contract-reference", log_level="WARNING")
    add_prompts_and_resources(server)

    @server.tool(annotations=ToolAnnotations(title="Add", idempotent_hint=True, open_world_hint=False))
    def add(a: int, b: int) -> Sum:
        """Add two integers."""
        return Sum(total=a + b)

    @server.tool()
    def echo(text: Annotated[str, Field(max_length=100_000)]) -> str:
        """Echo the text back."""
        return text

    @server.tool()
    async def count(steps: Annotated[int, Field(ge=0, le=5)], ctx: Context) -> int:
        """Count up to ``steps``, reporting progress at each step."""
        for step in range(1, steps + 1):
            await ctx.report_progress(step, steps)
        return steps

    @server.tool()
    async def wait(seconds: Annotated[float, Field(ge=0, le=30)]) -> str:
        """Sleep for ``seconds`` (cancellable): the long-running tool for cancellation checks."""
        await anyio.sleep(seconds)
        return "waited"

    @server.tool()
    def describe_user(user_id: Annotated[str, Field(pattern=r"^u[0-9]{1,6}$")]) -> dict[str, str]:
        """A tool whose failures are reported as isError results."""
        return {"user_id": user_id, "name": "Ada"}

    return server


if __name__ == "__main__":
    build_reference_server().run("stdio")
