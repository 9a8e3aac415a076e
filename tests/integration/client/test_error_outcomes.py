"""Every face of an error says what became of the call: the REST body, an MCP ``isError`` result's
``structuredContent`` and an MCP JSON-RPC error's ``data`` — through the gateway, over sockets."""

from __future__ import annotations

import anyio
import httpx
import pytest

from harness.fixtures.client import serve_stack
from harness.mcp_wire import tool_call

pytestmark = pytest.mark.anyio


async def test_errors_carry_their_outcome_on_rest_and_mcp() -> None:
    overrides = {
        "weather": {"retry": {"attempts": 1}, "breaker": {"min_calls": 1, "failure_rate": 1.0, "open_s": 60}}
    }
    async with serve_stack(upstream_overrides=overrides) as stack, httpx.AsyncClient(timeout=10) as http:
        headers = {"X-API-Key": stack.api_key}
        rest = f"{stack.gateway_url}/v1/tools"

        async def mcp(tool: str, arguments: dict[str, object]) -> dict[str, object]:
            body, mcp_headers = tool_call(tool, arguments)
            response = await http.post(
                f"{stack.gateway_url}/mcp", json=body, headers={**headers, **mcp_headers}
            )
            return response.json()  # type: ignore[no-any-return]

        with anyio.fail_after(20):
            missing = await http.post(f"{rest}/weather__nope/call", json={}, headers=headers)
            assert missing.status_code == 404 and missing.json()["outcome"] == "not_sent"
            error = (await mcp("weather__nope", {}))["error"]
            assert error["code"] == -32602 and error["data"]["outcome"] == "not_sent", error  # type: ignore[index]

            stack.toys["weather"].control.http_failures = 1  # the server answers 503 once: it saw the request
            failed = await http.post(
                f"{rest}/weather__get_weather/call", json={"city": "Oslo"}, headers=headers
            )
            assert failed.status_code == 503
            assert failed.json()["error"] == "upstream_unavailable" and failed.json()["outcome"] == "unknown"

            result = (await mcp("weather__get_weather", {"city": "Oslo"}))[
                "result"
            ]  # the breaker is open now
            assert result["isError"] is True  # type: ignore[index]
            assert result["structuredContent"]["error"] == "circuit_open"  # type: ignore[index]
            assert result["structuredContent"]["outcome"] == "not_sent"  # type: ignore[index]
            assert "outcome: not_sent" in result["content"][0]["text"]  # type: ignore[index]


async def test_a_retry_refused_by_the_breaker_does_not_hide_a_first_attempt_that_reached_the_server() -> None:
    """Attempt 1 reaches the wallet and fails without an answer it can trust (HTTP 503: outcome unknown);
    the breaker opens on it; the retry is refused before sending. The caller must hear ``unknown``."""
    retry = {"attempts": 3, "initial_backoff_s": 0.01, "max_backoff_s": 0.02, "jitter_s": 0.0}
    breaker = {"min_calls": 1, "failure_rate": 1.0, "open_s": 60}
    overrides = {"wallet": {"retry": retry, "breaker": breaker}}
    async with serve_stack(upstream_overrides=overrides) as stack, httpx.AsyncClient(timeout=10) as http:
        stack.toys["wallet"].control.http_failures = 1
        arguments = {"source": "a", "destination": "b", "amount": 1, "idempotency_key": "k-unknown"}
        with anyio.fail_after(20):
            response = await http.post(
                f"{stack.gateway_url}/v1/tools/wallet__transfer/call",
                json=arguments,
                headers={"X-API-Key": stack.api_key},
            )
        body = response.json()
        assert response.status_code == 503 and body["error"] == "circuit_open", body
        assert body["outcome"] == "unknown", body
        assert "same idempotency key" in body["message"]
