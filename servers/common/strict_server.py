"""``ReferenceMCPServer``: the SDK's ``MCPServer`` with the errors the spec asks for where mcp 2.3.0
answers otherwise.

- A call to a tool that does not exist: mcp 2.3.0 answers an ``isError`` result; the spec (2025-11-25,
  tools § error handling) makes it a protocol error, JSON-RPC -32602.
- ``prompts/get`` of an unknown prompt, or without a required argument: mcp 2.3.0 raises ``ValueError``,
  which reaches the wire as -32603 "Internal server error" with a traceback in the log (2026-07-28) or
  as code 0 (2025-11-25); the spec (prompts § error handling) asks for -32602.
- ``resources/read`` of an unknown URI: mcp 2.3.0 answers -32602 in both versions; 2025-11-25
  (resources § error handling) asks for -32002, 2026-07-28 (SEP-2164) for -32602, so the legacy
  answer is rewritten.

Our servers follow the spec, and the contract suite and the official conformance suite hold us to it.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS

RESOURCE_NOT_FOUND_2025 = -32002
MODERN = "2026-07-28"


class ReferenceMCPServer(MCPServer[Any]):
    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        if self._tool_manager.get_tool(name) is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        return await super().call_tool(name, arguments, context)

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Any = None
    ) -> Any:
        prompt = self._prompt_manager.get_prompt(name)
        if prompt is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown prompt: {name}")
        given = arguments or {}
        missing = sorted(a.name for a in prompt.arguments or [] if a.required and a.name not in given)
        if missing:
            raise MCPError(code=INVALID_PARAMS, message=f"Missing required arguments: {', '.join(missing)}")
        return await super().get_prompt(name, arguments, context)

    async def _handle_read_resource(self, ctx: Any, params: Any) -> Any:
        try:
            return await super()._handle_read_resource(ctx, params)
        except MCPError as exc:
            legacy = getattr(ctx, "protocol_version", MODERN) != MODERN
            if legacy and isinstance(exc.__context__, ResourceNotFoundError):  # the SDK raised it from that
                raise MCPError(RESOURCE_NOT_FOUND_2025, "Resource not found", exc.data) from exc
            raise
