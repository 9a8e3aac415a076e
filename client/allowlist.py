"""Reading a tool allow-list into MCP bodies: which tools a request calls, and listings it may see.

The gateway enforces a caller's allow-list on JSON-RPC bodies (``tools/call`` names, including batches
and the ``Mcp-Name`` header) and filters ``tools/list`` answers and the client's REST listings (JSON or
SSE) so a caller never sees a tool it may not call. Kept apart from forwarding: it is pure and
testable without sockets.
"""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any

from starlette.requests import Request

from client.auth import Principal


def jsonrpc_messages(body: bytes) -> list[dict[str, Any]]:
    """The JSON-RPC messages of an MCP POST body ([] when it is not JSON: the client will say so)."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def called_tools(request: Request, messages: list[dict[str, Any]]) -> list[str]:
    names = []
    for message in messages:
        if message.get("method") == "tools/call":
            params = message.get("params")
            name = params.get("name") if isinstance(params, dict) else None
            names.append(name if isinstance(name, str) else "")
    if request.headers.get("mcp-method") == "tools/call" and request.headers.get("mcp-name") is not None:
        names.append(request.headers["mcp-name"])
    return names


def filter_tools_payload(payload: Any, principal: Principal) -> Any:
    """Drop tools the caller may not call from a tools/list result or a REST listing."""
    if not isinstance(payload, dict):
        return payload
    result = payload.get("result")
    for holder, key in ((result, "tools"), (payload, "tools"), (payload, "results")):
        if isinstance(holder, dict) and isinstance(holder.get(key), list):
            holder[key] = [
                t for t in holder[key] if isinstance(t, dict) and principal.may_call(str(t.get("name")))
            ]
    return payload


def filter_body(body: bytes, content_type: str, principal: Principal) -> bytes:
    if content_type.startswith("text/event-stream"):
        lines = []
        for line in body.decode().split("\n"):
            if line.startswith("data:"):
                with suppress(ValueError):
                    line = "data: " + json.dumps(filter_tools_payload(json.loads(line[5:]), principal))
            lines.append(line)
        return "\n".join(lines).encode()
    try:
        return json.dumps(filter_tools_payload(json.loads(body), principal)).encode()
    except (ValueError, UnicodeDecodeError):
        return body
