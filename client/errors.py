"""The failures of a routed tool call, and the one place they become HTTP statuses and MCP results.

    ClientError
    ├── ToolNotFound          no upstream exposes the name              → 404 · JSON-RPC -32602
    ├── InvalidArguments      arguments are not a JSON object           → 400 · isError
    ├── UpstreamTimeout       the call's deadline passed                → 504 · isError
    ├── UpstreamUnavailable   connection refused/reset, TLS, not ready  → 503 · isError (Retry-After)
    ├── CircuitOpen           the upstream's breaker fails fast         → 503 · isError (Retry-After)
    ├── BulkheadFull          the upstream's concurrency bound is full  → 503 · isError (Retry-After)
    ├── UpstreamRejected      the upstream answered with a JSON-RPC error → 502 · isError
    └── ToolCollision         two upstreams expose the same name (start-up, policy ``fail``)

Every layer raises these; only :func:`http_status` / :func:`error_result` (called by the app at its
boundary) turn them into something a caller sees.
"""

from __future__ import annotations

import math

import mcp_types as types


class ClientError(Exception):
    """A routed call failed in a way the caller should be told about."""

    code: str = "client_error"
    status: int = 500
    retry_after_s: float | None = None

    def __init__(
        self, message: str, *, upstream: str | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.upstream = upstream
        if retry_after_s is not None:
            self.retry_after_s = retry_after_s


class ToolNotFound(ClientError):
    code = "tool_not_found"
    status = 404


class InvalidArguments(ClientError):
    code = "invalid_arguments"
    status = 400


class UpstreamTimeout(ClientError):
    code = "upstream_timeout"
    status = 504


class UpstreamUnavailable(ClientError):
    code = "upstream_unavailable"
    status = 503


class CircuitOpen(ClientError):
    code = "circuit_open"
    status = 503


class BulkheadFull(ClientError):
    code = "upstream_busy"
    status = 503


class UpstreamRejected(ClientError):
    code = "upstream_error"
    status = 502


class ToolCollision(ClientError):
    code = "tool_collision"
    status = 500


def http_status(error: ClientError) -> int:
    return error.status


def retry_after_header(error: ClientError) -> dict[str, str]:
    """``Retry-After`` (whole seconds, at least 1) when waiting is meaningful."""
    if error.retry_after_s is None:
        return {}
    return {"Retry-After": str(max(1, math.ceil(error.retry_after_s)))}


def error_body(error: ClientError) -> dict[str, object]:
    body: dict[str, object] = {"error": error.code, "message": error.message}
    if error.upstream:
        body["upstream"] = error.upstream
    return body


def error_result(error: ClientError) -> types.CallToolResult:
    """The MCP face of an error: an ``isError`` result whose text says what failed."""
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=f"{error.code}: {error.message}")],
        is_error=True,
    )
