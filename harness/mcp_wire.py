"""One 2026-07-28 JSON-RPC request on the raw wire: the body with its ``_meta`` and the matching headers.

Benchmarks, probes and tests that post MCP by hand (to keep the measuring side free of SDK cost, or to
look at HTTP statuses) build requests here, so the framing is written once. The contract suite frames its
own requests, because it must also send them wrong on purpose.
"""

from __future__ import annotations

from typing import Any

MODERN_VERSION = "2026-07-28"
ACCEPT = "application/json, text/event-stream"


def modern_request(
    method: str, params: dict[str, Any] | None = None, request_id: int | str = 1
) -> tuple[dict[str, Any], dict[str, str]]:
    """``(body, headers)`` for ``method``; a ``tools/call``'s tool name also goes into ``Mcp-Name``."""
    params = dict(params or {})
    params["_meta"] = {
        "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    headers = {"Accept": ACCEPT, "MCP-Protocol-Version": MODERN_VERSION, "Mcp-Method": method}
    if method == "tools/call" and "name" in params:
        headers["Mcp-Name"] = str(params["name"])
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}, headers


def tool_call(
    tool: str, arguments: dict[str, Any] | None = None, request_id: int | str = 1
) -> tuple[dict[str, Any], dict[str, str]]:
    return modern_request("tools/call", {"name": tool, "arguments": arguments or {}}, request_id)
