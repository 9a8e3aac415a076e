"""The server's span of a traced call: continue the caller's W3C trace, time the request, note the outcome.

The trace context arrives in the ``traceparent`` header or, on 2026-07-28, in ``params._meta.traceparent``
(the body is looked at only when the header is missing and the body is small). The span carries the
tool (``Mcp-Name``), the server and the outcome — never the arguments. Servers use only the
OpenTelemetry API: whoever runs them passes a tracer (``None``: the app is served unwrapped, so
tracing off costs nothing).
"""

from __future__ import annotations

import json
from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PEEK_LIMIT = 64 * 1024  # larger bodies are not decoded for a traceparent (the header still works)
PROPAGATOR = TraceContextTextMapPropagator()


def traced(app: ASGIApp, tracer: Tracer | None, server: str) -> ASGIApp:
    return app if tracer is None else TracedServer(app, tracer, server)


class TracedServer:
    """ASGI middleware: one ``server`` span per POST, from the request to the last byte of the answer."""

    def __init__(self, app: ASGIApp, tracer: Tracer, server: str) -> None:
        self.app, self.tracer, self.server = app, tracer, server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        traceparent = headers.get(b"traceparent", b"").decode("latin-1") or None
        length = headers.get(b"content-length", b"")
        if traceparent is None and length.isdigit() and int(length) <= PEEK_LIMIT:  # never an unbounded read
            receive, traceparent = await peek_meta_traceparent(receive)
        parent = PROPAGATOR.extract({"traceparent": traceparent}) if traceparent else None
        attributes = {"mcp.server": self.server, "mcp.tool": headers.get(b"mcp-name", b"").decode("latin-1")}
        span = self.tracer.start_span("server", context=parent, kind=SpanKind.SERVER, attributes=attributes)
        answer: dict[str, Any] = {"status": 500, "tool_error": False}

        def end() -> None:
            if not span.is_recording():
                return
            status = answer["status"]
            outcome = f"http_{status}" if status >= 400 else "tool_error" if answer["tool_error"] else "ok"
            span.set_attribute("mcp.outcome", outcome)
            if status >= 400:
                span.set_status(Status(StatusCode.ERROR, outcome))
            span.end()

        async def watching_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["tool_error"] |= b'"isError":true' in message.get("body", b"")
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                end()  # the answer has left: what the server does afterwards is not the caller's wait

        try:
            await self.app(scope, receive, watching_send)
        finally:
            end()


async def peek_meta_traceparent(receive: Receive) -> tuple[Receive, str | None]:
    """Read the body, find ``params._meta.traceparent``, and hand back a ``receive`` that replays it."""
    chunks: list[bytes] = []
    first: Message = {"type": "http.request", "body": b"", "more_body": True}
    while first.get("more_body", False):
        first = await receive()
        if first["type"] != "http.request":
            break
        chunks.append(first.get("body", b""))
    body = b"".join(chunks)
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    traceparent = None
    if b'"traceparent"' in body:
        try:
            meta = json.loads(body).get("params", {}).get("_meta", {})
            traceparent = meta.get("traceparent") if isinstance(meta, dict) else None
        except (ValueError, AttributeError):
            traceparent = None
    return replay, traceparent if isinstance(traceparent, str) else None
