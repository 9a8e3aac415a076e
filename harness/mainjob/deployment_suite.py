"""Suite ``deployment``: every tool of every server answers through the gateway, in both protocol versions.

A sample call is kept for each tool the reference deployment exposes; a listed tool without a sample, or
a sample for a tool that is not listed, fails the suite, so the suite cannot silently shrink.
"""

from __future__ import annotations

import ssl
from functools import partial
from typing import Any, Literal

import httpx

from harness.launch.inprocess import Deployment
from harness.mainjob.outcomes import timed_outcome
from harness.mcp_http import open_mcp_client
from harness.report import Outcome

SUITE = "deployment"


def sample_calls(tag: str) -> list[tuple[str, dict[str, Any]]]:
    """One valid call per tool, in an order where each call's preconditions hold."""
    a, b = f"mainjob-{tag}-a", f"mainjob-{tag}-b"
    return [
        ("weather__get_weather", {"city": "Berlin"}),
        ("weather__get_forecast", {"city": "Tokyo", "days": 3}),
        ("weather__get_history", {"limit": 5}),
        ("weather__health", {}),
        ("wallet__deposit", {"account": a, "amount": 10_000, "idempotency_key": f"{tag}-dep-a"}),
        ("wallet__deposit", {"account": b, "amount": 500, "idempotency_key": f"{tag}-dep-b"}),
        (
            "wallet__transfer",
            {"from_account": a, "to_account": b, "amount": 2_500, "idempotency_key": f"{tag}-t"},
        ),
        ("wallet__get_balance", {"account": a}),
        ("wallet__list_transactions", {"account": b, "limit": 10}),
        ("wallet__audit", {}),
        ("wallet__health", {}),
        (
            "knowledge__ingest",
            {"documents": [{"id": f"mainjob-{tag}", "text": "The main job proves every tool answers."}]},
        ),
        ("knowledge__search", {"query": "how does the circuit breaker recover", "k": 3}),
        ("knowledge__answer", {"question": "What happens when an upstream server keeps failing?"}),
        ("knowledge__health", {}),
        ("client__find_tools", {"query": "weather forecast for the next days"}),
    ]


async def every_tool(deployment: Deployment, mode: Literal["auto", "legacy"]) -> tuple[str, dict[str, Any]]:
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key, "the deployment has no gateway"
    calls = sample_calls(mode)
    async with open_mcp_client(endpoints.gateway, api_key=endpoints.api_key, mode=mode) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        sampled = {name for name, _ in calls}
        assert listed == sampled, (
            f"tools listed without a sample: {sorted(listed - sampled)}; "
            f"samples for unlisted tools: {sorted(sampled - listed)}"
        )
        failures: list[str] = []
        for name, arguments in calls:
            result = await client.call_tool(name, arguments)
            if result.is_error:
                text = " ".join(getattr(c, "text", "") for c in result.content)
                failures.append(f"{name}: {text[:200]}")
        balance = await client.call_tool("wallet__get_balance", {"account": f"mainjob-{mode}-a"})
        assert not failures, "calls failed: " + "; ".join(failures)
        assert balance.structured_content == {"account": f"mainjob-{mode}-a", "balance": 7_500}, (
            f"routing/state check: balance after deposit 10000 and transfer 2500 is {balance.structured_content}"
        )
        version = client.protocol_version
    return f"{len(calls)} tools called via the gateway ({version})", {
        "tools": len(calls),
        "protocol": version,
    }


async def refuses_bad_credentials(deployment: Deployment) -> tuple[str, dict[str, Any]]:
    url = deployment.endpoints.gateway
    assert url
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=10) as http:
        missing = await http.post(url, json=body, headers=headers)
        wrong = await http.post(url, json=body, headers={**headers, "Authorization": "Bearer not-a-key"})
    assert missing.status_code == 401, f"no credentials: HTTP {missing.status_code}"
    assert wrong.status_code == 401, f"wrong key: HTTP {wrong.status_code}"
    return "401 without a key and with a wrong key", {}


async def servers_are_private(deployment: Deployment) -> tuple[str, dict[str, Any]]:
    """A server refuses a caller without the client's certificate (mTLS)."""
    refused: list[str] = []
    for name, url in deployment.endpoints.servers.items():
        if not url.startswith("https://"):
            raise AssertionError(f"{name} serves plain HTTP: not private")
        assert deployment.endpoints.tls is not None
        trust = ssl.create_default_context(cafile=deployment.endpoints.tls.ca)
        async with httpx.AsyncClient(verify=trust, timeout=5) as http:
            try:
                response = await http.post(url, json={})
            except httpx.HTTPError:
                refused.append(name)
                continue
        raise AssertionError(f"{name} answered HTTP {response.status_code} without a client certificate")
    return f"refused without a client certificate: {', '.join(refused)}", {"servers": refused}


async def run_suite(deployment: Deployment) -> list[Outcome]:
    outcomes = [
        await timed_outcome(
            SUITE, f"every tool via gateway [{mode}]", partial(every_tool, deployment, mode), 60
        )
        for mode in ("auto", "legacy")
    ]
    outcomes.append(
        await timed_outcome(
            SUITE, "gateway refuses bad credentials", lambda: refuses_bad_credentials(deployment), 20
        )
    )
    outcomes.append(
        await timed_outcome(
            SUITE, "servers refuse callers without mTLS", lambda: servers_are_private(deployment), 20
        )
    )
    return outcomes
