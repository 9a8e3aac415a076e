"""A failed POST under the SDK becomes that request's JSON-RPC error, saying whether it was sent."""

from __future__ import annotations

import json

import httpx2
import pytest

from client.upstream_transport import TRANSPORT_FAILURE, OutcomeReportingTransport

REQUEST = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "t"}}


def failing(error: Exception) -> httpx2.MockTransport:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise error

    return httpx2.MockTransport(handler)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (httpx2.ConnectError("refused"), "not_sent"),
        (httpx2.ConnectTimeout("slow handshake"), "not_sent"),
        (httpx2.PoolTimeout("no slot"), "not_sent"),
        (httpx2.WriteError("reset while writing"), "unknown"),
        (httpx2.ReadError("reset"), "unknown"),
        (httpx2.RemoteProtocolError("closed without a response"), "unknown"),
    ],
)
async def test_a_transport_failure_is_one_requests_error_with_its_outcome(
    error: Exception, outcome: str
) -> None:
    async with httpx2.AsyncClient(transport=OutcomeReportingTransport(failing(error))) as http:
        response = await http.post("http://upstream/mcp", json=REQUEST)
    assert response.status_code == 502
    body = response.json()
    assert body["id"] == 7 and body["error"]["code"] == TRANSPORT_FAILURE
    assert body["error"]["data"] == {"outcome": outcome}


@pytest.mark.anyio
async def test_answers_pass_through_and_a_json_body_cut_short_is_unknown() -> None:
    class CutShort(httpx2.AsyncByteStream):
        async def __aiter__(self):  # type: ignore[no-untyped-def]
            yield b'{"jsonrpc": "2.0", '
            raise httpx2.ReadError("reset mid-body")

    def handler(request: httpx2.Request) -> httpx2.Response:
        if json.loads(request.content)["id"] == 1:
            return httpx2.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": {}})
        return httpx2.Response(200, headers={"content-type": "application/json"}, stream=CutShort())

    transport = OutcomeReportingTransport(httpx2.MockTransport(handler))
    async with httpx2.AsyncClient(transport=transport) as http:
        ok = await http.post("http://upstream/mcp", json={**REQUEST, "id": 1})
        cut = await http.post("http://upstream/mcp", json={**REQUEST, "id": 2})
    assert ok.status_code == 200 and ok.json()["result"] == {}
    assert cut.status_code == 502 and cut.json()["error"]["data"] == {"outcome": "unknown"}
    assert cut.json()["id"] == 2
