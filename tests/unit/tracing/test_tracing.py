"""Trace context carriers and hop spans: off means nothing, on means linked spans and no arguments."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest

from client.tracing import RECORDER, Tracing, TracingSettings, outcome_of_answer, traceparent_in_body
from servers.common.tracing import TracedServer

pytestmark = pytest.mark.anyio
PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_off_by_default_and_off_yields_no_span(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MCPH_TRACING_ENABLED", raising=False)
    monkeypatch.delenv("MCPH_TRACING_OTLP_ENDPOINT", raising=False)
    assert not TracingSettings().on
    tracing = Tracing.for_service("client")
    assert tracing.tracer is None
    with tracing.hop("client", PARENT, {"mcp.tool": "x"}) as span:
        assert span is None


def test_hop_continues_the_callers_trace_and_hands_on_its_own() -> None:
    RECORDER.clear()
    tracing = Tracing.for_service("client", TracingSettings(enabled=True))
    with tracing.hop("client", PARENT, {"mcp.tool": "wallet__get_balance"}) as span:
        assert span is not None
        onward = span.traceparent
        span.outcome("upstream_timeout")
    (recorded,) = RECORDER.spans
    assert recorded.context is not None and recorded.parent is not None
    assert recorded.context.trace_id == int(PARENT.split("-")[1], 16)
    assert recorded.parent.span_id == int(PARENT.split("-")[2], 16)
    assert onward.split("-")[1] == PARENT.split("-")[1]
    assert onward.split("-")[2] == format(recorded.context.span_id, "016x")
    assert recorded.attributes is not None and recorded.attributes["mcp.outcome"] == "upstream_timeout"
    assert not recorded.status.is_ok


def test_traceparent_in_body_and_outcomes() -> None:
    body = json.dumps({"params": {"_meta": {"traceparent": PARENT}}}).encode()
    assert traceparent_in_body(body) == PARENT
    assert traceparent_in_body(b'{"params": {}}') is None
    assert traceparent_in_body(b'{"traceparent": not json') is None
    assert outcome_of_answer(200, b'{"result": {"isError": true}}') == "tool_error"
    assert outcome_of_answer(200, b'{"error": {"code": -32602}}') == "jsonrpc_error"
    assert outcome_of_answer(503, b"") == "http_503"
    assert outcome_of_answer(200, b'{"result": {"isError": false}}') == "ok"


async def test_server_span_reads_meta_traceparent_and_replays_the_body_intact() -> None:
    RECORDER.clear()
    tracer = Tracing.for_service("wallet", TracingSettings(enabled=True)).tracer
    assert tracer is not None
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        seen["body"] = message["body"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b'{"result":{"isError":true}}'})

    body = json.dumps({"params": {"name": "get_balance", "_meta": {"traceparent": PARENT}}}).encode()
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        pass

    scope = {
        "type": "http",
        "method": "POST",
        "headers": [(b"mcp-name", b"get_balance"), (b"content-length", str(len(body)).encode())],
    }
    with anyio.fail_after(5):
        await TracedServer(app, tracer, "wallet")(scope, receive, send)
    assert seen["body"] == body
    (span,) = RECORDER.spans
    assert span.parent is not None and span.parent.span_id == int(PARENT.split("-")[2], 16)
    assert span.attributes is not None
    assert span.attributes["mcp.tool"] == "get_balance" and span.attributes["mcp.outcome"] == "tool_error"


async def test_server_span_ends_when_the_answer_has_left_not_when_the_app_returns() -> None:
    """Work a server does after answering (clean-up, logging) is not time the caller waited."""
    RECORDER.clear()
    tracer = Tracing.for_service("wallet", TracingSettings(enabled=True)).tracer
    assert tracer is not None
    done_after_answer = anyio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
        assert len(RECORDER.spans) == 1  # already ended
        done_after_answer.set()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        pass

    scope = {"type": "http", "method": "POST", "headers": [(b"traceparent", PARENT.encode())]}
    with anyio.fail_after(5):
        await TracedServer(app, tracer, "wallet")(scope, receive, send)
    assert done_after_answer.is_set() and len(RECORDER.spans) == 1
