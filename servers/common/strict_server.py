"""``ReferenceMCPServer``: the SDK's ``MCPServer`` with an unknown tool answered as the spec says.

mcp 2.3.0 answers a call to a tool that does not exist with an ``isError`` result; the spec (2025-11-25,
tools § error handling) makes it a protocol error, JSON-RPC -32602. Our servers follow the spec, and the
contract suite and the official conformance suite hold us to it.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS


class ReferenceMCPServer(MCPServer[Any]):
    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        if self._tool_manager.get_tool(name) is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        return await super().call_tool(name, arguments, context)
