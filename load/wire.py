"""MCP on the wire for the load user: request framing per protocol version and reading an answer.

Kept free of gevent, Locust and anyio so it can be unit-tested anywhere and imported under gevent's
monkey-patching. The 2026-07-28 framing is :mod:`harness.mcp_wire`'s (one builder for the project);
the 2025-11-25 framing (session header, no ``_meta``) is added here. Answers arrive as a JSON body or
as a ``text/event-stream`` whose events carry JSON-RPC messages; :func:`read_answer` finds the one
that answers our request id.

Failures are typed, and each carries the message a Locust report shows::

    McpFailure            any call that did not succeed
    ├── TransportFailure  connection refused/reset, timeout, an HTTP error status without a JSON-RPC body
    ├── ProtocolFailure   a reply that is not a JSON-RPC answer to our request
    ├── RpcFailure        a JSON-RPC error (.code, .message, .data)
    └── ToolFailure       a tools/call result with ``isError: true`` (its text content is the message)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from harness.mcp_wire import ACCEPT, MODERN_VERSION, modern_request

ProtocolVersion = Literal["2026-07-28", "2025-11-25"]
LEGACY_VERSION: Literal["2025-11-25"] = "2025-11-25"
PROTOCOL_VERSIONS: tuple[str, ...] = (MODERN_VERSION, LEGACY_VERSION)
SESSION_HEADER = "Mcp-Session-Id"
CLIENT_INFO = {"name": "mcp-harness-load", "version": "1"}


class McpFailure(Exception):
    """A call that did not succeed; ``str()`` is what the load report shows."""


class TransportFailure(McpFailure):
    pass


class ProtocolFailure(McpFailure):
    pass


class RpcFailure(McpFailure):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"JSON-RPC error {code}: {message}")
        self.code = code
        self.message = message
        self.data = data


class ToolFailure(McpFailure):
    pass


@dataclass
class McpAnswer:
    """What one call returned: the JSON-RPC ``result`` (when there was one) and the failure (if any).

    Locust users report failures rather than raise them, so a call never raises: check ``ok``.
    """

    method: str
    result: dict[str, Any] | None = None
    failure: McpFailure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def is_error(self) -> bool:
        return bool(self.result and self.result.get("isError"))

    @property
    def content(self) -> list[dict[str, Any]]:
        return list((self.result or {}).get("content") or [])

    @property
    def structured_content(self) -> dict[str, Any] | None:
        return (self.result or {}).get("structuredContent")

    @property
    def text(self) -> str:
        return "\n".join(str(c.get("text", "")) for c in self.content if c.get("type") == "text")

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list((self.result or {}).get("tools") or [])


def frame(
    version: ProtocolVersion,
    method: str,
    params: dict[str, Any] | None,
    request_id: int | None,
    session_id: str | None = None,
) -> tuple[str, dict[str, str]]:
    """The body text and headers of one request; ``request_id=None`` makes a notification."""
    if version == MODERN_VERSION:
        message, headers = modern_request(method, params, request_id if request_id is not None else 0)
        if request_id is None:
            del message["id"]
    else:
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        if request_id is not None:
            message["id"] = request_id
        headers = {"Accept": ACCEPT}
        if method != "initialize":
            headers["MCP-Protocol-Version"] = LEGACY_VERSION
        if session_id:
            headers[SESSION_HEADER] = session_id
    headers["Content-Type"] = "application/json"
    return json.dumps(message, separators=(",", ":")), headers


def initialize_params() -> dict[str, Any]:
    return {"protocolVersion": LEGACY_VERSION, "capabilities": {}, "clientInfo": CLIENT_INFO}


def sse_messages(text: str) -> list[Any]:
    """The JSON payloads of a ``text/event-stream`` body (events without data are skipped)."""
    messages: list[Any] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].removeprefix(" ") for line in block.split("\n") if line.startswith("data:")]
        if data and any(data):
            try:
                messages.append(json.loads("\n".join(data)))
            except ValueError as exc:
                raise ProtocolFailure(f"an event-stream event is not JSON: {exc}") from None
    return messages


def answer_message(content_type: str, body: bytes, request_id: int) -> dict[str, Any] | None:
    """The JSON-RPC message answering ``request_id``; None when the body holds none."""
    text = body.decode("utf-8", errors="replace")
    if content_type.startswith("text/event-stream"):
        candidates = sse_messages(text)
    else:
        try:
            parsed = json.loads(text)
        except ValueError:
            return None
        candidates = parsed if isinstance(parsed, list) else [parsed]
    for message in candidates:
        if (
            isinstance(message, dict)
            and message.get("id") == request_id
            and ("result" in message or "error" in message)
        ):
            return message
    # an error about a request the server could not parse carries id null
    for message in candidates:
        if isinstance(message, dict) and message.get("id") is None and isinstance(message.get("error"), dict):
            return message
    return None


def read_answer(
    method: str, status: int, content_type: str, body: bytes, request_id: int, tool_errors_fail: bool
) -> McpAnswer:
    """Classify one HTTP reply to a request: result, JSON-RPC error, ``isError``, or transport failure."""
    message = answer_message(content_type, body, request_id) if body else None
    if message is None:
        if status >= 400:
            snippet = body.decode("utf-8", errors="replace").strip()[:200]
            return McpAnswer(method, failure=TransportFailure(f"HTTP {status}: {snippet}".rstrip(": ")))
        kind = content_type or "no content type"
        return McpAnswer(
            method, failure=ProtocolFailure(f"HTTP {status} ({kind}) holds no answer to request")
        )
    error = message.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        failure = RpcFailure(
            code if isinstance(code, int) else 0, str(error.get("message", "")), error.get("data")
        )
        return McpAnswer(method, failure=failure)
    result = message.get("result")
    if not isinstance(result, dict):
        return McpAnswer(method, failure=ProtocolFailure(f"result is not an object: {result!r}"[:200]))
    answer = McpAnswer(method, result=result)
    if tool_errors_fail and answer.is_error:
        answer.failure = ToolFailure(answer.text or "isError result without text")
    return answer
