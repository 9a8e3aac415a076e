"""The failures of a routed tool call, and the one place they become HTTP statuses and MCP results.

    ClientError
    ├── ToolNotFound          no upstream exposes the name              → 404 · JSON-RPC -32602
    ├── InvalidArguments      not a JSON object, or cannot be encoded   → 400 · JSON-RPC -32602
    ├── UpstreamTimeout       the call's deadline passed                → 504 · isError
    ├── UpstreamUnavailable   connection refused/reset, TLS, not ready  → 503 · isError (Retry-After)
    ├── CircuitOpen           the upstream's breaker fails fast         → 503 · isError (Retry-After)
    ├── BulkheadFull          the upstream's concurrency bound is full  → 503 · isError (Retry-After)
    ├── UpstreamRejected      the upstream answered with a JSON-RPC error → 502 · isError
    └── ToolCollision         two upstreams expose the same name (start-up, policy ``fail``)

Every error also says what became of the call (``outcome``), because a caller deciding whether to
retry a write needs exactly that: ``not_sent`` (definite: it never reached the server; retry freely,
even with a new idempotency key), ``rejected`` (definite: the server answered that it refused it) or
``unknown`` (indeterminate: it may have been applied; retry only with the same idempotency key).

Every layer raises these; only :func:`error_body` / :func:`error_result` / :func:`error_data` (called
by the app at its boundary) turn them into something a caller sees.
"""

from __future__ import annotations

import math
from typing import Literal

import mcp_types as types
from mcp.shared.exceptions import MCPError

Outcome = Literal["not_sent", "rejected", "unknown"]
NOT_SENT: Outcome = "not_sent"
REJECTED: Outcome = "rejected"
UNKNOWN: Outcome = "unknown"


class ClientError(Exception):
    """A routed call failed in a way the caller should be told about."""

    code: str = "client_error"
    status: int = 500
    retry_after_s: float | None = None
    outcome: Outcome = NOT_SENT

    def __init__(
        self,
        message: str,
        *,
        upstream: str | None = None,
        retry_after_s: float | None = None,
        outcome: Outcome | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.upstream = upstream
        if retry_after_s is not None:
            self.retry_after_s = retry_after_s
        if outcome is not None:
            self.outcome = outcome


class ToolNotFound(ClientError):
    code = "tool_not_found"
    status = 404


class InvalidArguments(ClientError):
    code = "invalid_arguments"
    status = 400


class UpstreamTimeout(ClientError):
    code = "upstream_timeout"
    status = 504
    outcome = UNKNOWN


class UpstreamUnavailable(ClientError):
    """Unknown unless the transport proved nothing was sent (e.g. the connection was refused)."""

    code = "upstream_unavailable"
    status = 503
    outcome = UNKNOWN


class CircuitOpen(ClientError):
    code = "circuit_open"
    status = 503


class BulkheadFull(ClientError):
    code = "upstream_busy"
    status = 503


class UpstreamRejected(ClientError):
    code = "upstream_error"
    status = 502
    outcome = REJECTED


class ToolCollision(ClientError):
    code = "tool_collision"
    status = 500


def retry_after_header(error: ClientError) -> dict[str, str]:
    """``Retry-After`` (whole seconds, at least 1) when waiting is meaningful."""
    if error.retry_after_s is None:
        return {}
    return {"Retry-After": str(max(1, math.ceil(error.retry_after_s)))}


def error_body(error: ClientError) -> dict[str, object]:
    """The REST body of an error; also the ``data`` of a JSON-RPC error and an ``isError`` result's
    ``structuredContent``, so every face carries the same fields."""
    body: dict[str, object] = {"error": error.code, "message": error.message, "outcome": error.outcome}
    if error.upstream:
        body["upstream"] = error.upstream
    if error.retry_after_s is not None:
        body["retry_after_s"] = round(error.retry_after_s, 3)
    return body


def error_result(error: ClientError) -> types.CallToolResult:
    """The MCP face of a failed call: an ``isError`` result whose text says what failed and what
    became of the call, with the same fields as the REST body in ``structuredContent``."""
    text = f"{error.code}: {error.message} (outcome: {error.outcome})"
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=error_body(error),
        is_error=True,
    )


def protocol_error(error: ClientError) -> MCPError:
    """The MCP face of a request that is wrong in itself (unknown tool, bad arguments): JSON-RPC
    -32602 with the REST body as ``data``."""
    return MCPError(code=types.INVALID_PARAMS, message=error.message, data=error_body(error))
