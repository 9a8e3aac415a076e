"""The correct fixture server: an SDK ``MCPServer`` with a few tools, paginated tools/list, and an
unknown tool answered with a JSON-RPC error (as the spec says; mcp 2.3.0 itself answers isError).

Run over stdio with ``python -m tests.contract_targets.reference``.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, ListToolsResult
from pydantic import BaseModel, Field

PAGE_SIZE = 2
LONG_TOOL = "wait"


class Sum(BaseModel):
    total: int


class ReferenceServer(MCPServer):
    """MCPServer plus cursor pagination of tools/list and protocol errors for unknown tools."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        if self._tool_manager.get_tool(name) is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        return await super().call_tool(name, arguments, context)

    async def _handle_list_tools(self, ctx: Any, params: Any) -> ListToolsResult:
        tools = await self.list_tools()
        cursor = getattr(params, "cursor", None) if params is not None else None
        start = 0
        if cursor is not None:
            if not (isinstance(cursor, str) and cursor.startswith("page-") and cursor[5:].isdigit()):
                raise MCPError(code=INVALID_PARAMS, message="Invalid cursor")
            start = int(cursor[5:])
            if start >= len(tools):
                raise MCPError(code=INVALID_PARAMS, message="Invalid cursor")
        end = start + PAGE_SIZE
        next_cursor = f"page-{end}" if end < len(tools) else None
        return ListToolsResult(tools=tools[start:end], next_cursor=next_cursor)


def build_reference_server(server_class: type[ReferenceServer] = ReferenceServer) -> ReferenceServer:
    server = server_class("contract-reference", log_level="WARNING")

    @server.tool()
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
