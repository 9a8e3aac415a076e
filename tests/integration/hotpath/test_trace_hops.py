"""One call through gateway → client → server is one trace of three spans, linked parent to child.

Run for each way a call can travel: a caller on 2026-07-28 or on a 2025-11-25 session, and a client
reaching the server over the fast path (2026-07-28) or over its SDK session (a legacy upstream).
"""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from opentelemetry.sdk.trace import ReadableSpan

from client.tracing import RECORDER
from harness.fixtures.client import serve_stack, toy_wallet
from harness.mcp_wire import tool_call

pytestmark = pytest.mark.anyio
SECRET_ARGUMENT = "alice-secret-7f3a"
CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"


def spans_of_trace(trace_id: int) -> dict[str, ReadableSpan]:
    spans = RECORDER.trace(trace_id)
    by_name = {span.name: span for span in spans}
    assert sorted(by_name) == ["client", "gateway", "server"], [s.name for s in spans]
    assert len(spans) == 3
    return by_name


def assert_linked(spans: dict[str, ReadableSpan], caller_span: int | None) -> None:
    gateway, client, server = spans["gateway"], spans["client"], spans["server"]
    assert gateway.parent is not None if caller_span else gateway.parent is None
    if caller_span is not None:
        assert gateway.parent is not None and gateway.parent.span_id == caller_span
    assert client.parent is not None and client.parent.span_id == gateway.context.span_id
    assert server.parent is not None and server.parent.span_id == client.context.span_id
    assert client.attributes["mcp.tool"] == "wallet__get_balance"
    assert client.attributes["mcp.upstream"] == "wallet"
    assert client.attributes["mcp.outcome"] == "ok"
    assert server.attributes["mcp.outcome"] == "ok"
    assert gateway.attributes["mcp.outcome"] == "ok"
    for span in spans.values():  # never the arguments
        assert all(SECRET_ARGUMENT not in str(value) for value in (span.attributes or {}).values())
        assert all(SECRET_ARGUMENT not in str(event.attributes) for event in span.events)


@pytest.fixture(params=["auto", "legacy"])
def upstream_overrides(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Tracing on; the wallet reached over the fast path (auto: 2026-07-28) or the SDK session (legacy)."""
    monkeypatch.setenv("MCPH_TRACING_ENABLED", "1")
    return {"wallet": {"mode": request.param}}


async def test_modern_caller_yields_three_linked_spans(upstream_overrides: dict[str, Any]) -> None:
    async with (
        serve_stack([toy_wallet()], upstream_overrides=upstream_overrides) as stack,
        httpx.AsyncClient() as http,
    ):
        RECORDER.clear()
        body, headers = tool_call("wallet__get_balance", {"account": SECRET_ARGUMENT}, 1)
        headers = {
            **headers,
            "X-API-Key": stack.api_key,
            "traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01",
        }
        with anyio.fail_after(10):
            response = await http.post(f"{stack.gateway_url}/mcp", json=body, headers=headers)
        assert response.status_code == 200 and '"isError":false' in response.text, response.text
        spans = spans_of_trace(int(CALLER_TRACE, 16))
    assert_linked(spans, int(CALLER_SPAN, 16))
    assert spans["server"].attributes["mcp.server"] == "wallet"


async def test_session_caller_yields_three_linked_spans(upstream_overrides: dict[str, Any]) -> None:
    async with serve_stack([toy_wallet()], upstream_overrides=upstream_overrides) as stack:
        transport = httpx2.AsyncClient(headers={"X-API-Key": stack.api_key})
        async with (
            transport,
            Client(
                streamable_http_client(f"{stack.gateway_url}/mcp", http_client=transport), mode="legacy"
            ) as mcp,
        ):
            RECORDER.clear()
            with anyio.fail_after(10):
                result = await mcp.call_tool("wallet__get_balance", {"account": SECRET_ARGUMENT})
            assert not result.is_error
        calls = [s for s in RECORDER.spans if s.name == "client"]
        assert len(calls) == 1 and calls[0].context is not None
        spans = spans_of_trace(calls[0].context.trace_id)
    assert_linked(spans, None)


async def test_tracing_off_records_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MCPH_TRACING_ENABLED", raising=False)
    monkeypatch.delenv("MCPH_TRACING_OTLP_ENDPOINT", raising=False)
    async with serve_stack([toy_wallet()]) as stack, httpx.AsyncClient() as http:
        RECORDER.clear()
        body, headers = tool_call("wallet__get_balance", {"account": "alice"}, 1)
        with anyio.fail_after(10):
            response = await http.post(
                f"{stack.gateway_url}/mcp", json=body, headers={**headers, "X-API-Key": stack.api_key}
            )
        assert response.status_code == 200
    assert list(RECORDER.spans) == []
