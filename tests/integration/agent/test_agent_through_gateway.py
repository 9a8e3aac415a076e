"""The agent end to end: caller → gateway (API key, allow-list) → client's agent → reference servers,
with the simulated LLM the launcher starts. Faults come from the fault proxy on the client→weather edge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest

from client.auth import mint_dev_api_key
from harness.launch.inprocess import Deployment, LaunchOptions, launch
from harness.topology import reference_topology

pytestmark = pytest.mark.anyio
TASK = "weather in Paris, then pay 5 EUR from alice to bob"


@asynccontextmanager
async def deployment_with_keys(**options: Any) -> AsyncIterator[tuple[Deployment, dict[str, str]]]:
    """The reference deployment (client→weather proxied) and API keys: ``all`` and ``weather`` only."""
    everything, every_entry = mint_dev_api_key("all")
    weather, weather_entry = mint_dev_api_key("weather", allowed_tools=["weather__*"])
    launch_options = LaunchOptions(
        topology=reference_topology(proxied={"client-weather"}),
        gateway_overrides={"api_keys": [every_entry, weather_entry]},
        **options,
    )
    async with launch(launch_options) as deployment:
        yield deployment, {"all": everything, "weather": weather}


def gateway(deployment: Deployment, key: str) -> httpx.AsyncClient:
    assert deployment.endpoints.gateway
    base = deployment.endpoints.gateway.removesuffix("/mcp")
    return httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=60)


async def balance(http: httpx.AsyncClient, account: str) -> int:
    answer = await http.post("/v1/tools/wallet__get_balance/call", json={"account": account})
    return int(answer.json()["structuredContent"]["balance"])


async def open_accounts(http: httpx.AsyncClient) -> None:
    for account in ("alice", "bob"):
        body = {"account": account, "amount": 10_000, "idempotency_key": f"open-{account}"}
        answer = await http.post("/v1/tools/wallet__deposit/call", json=body)
        assert answer.status_code == 200 and not answer.json().get("isError"), answer.text


async def test_weather_then_payment_runs_both_tools_in_order_and_the_money_moves() -> None:
    with anyio.fail_after(90):
        async with deployment_with_keys() as (deployment, keys), gateway(deployment, keys["all"]) as http:
            await open_accounts(http)
            answer = await http.post("/v1/agent", json={"message": TASK})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            trace = body["trace"]
            assert [t["tool"] for t in trace] == ["weather__get_weather", "wallet__transfer"]
            assert all(t["ok"] and t["latency_ms"] > 0 for t in trace)
            assert trace[0]["arguments"] == {"city": "Paris"}
            assert {k: trace[1]["arguments"][k] for k in ("from_account", "to_account", "amount")} == {
                "from_account": "alice",
                "to_account": "bob",
                "amount": 500,
            }
            assert body["stop_reason"] == "answer"
            assert "place.name=Paris" in body["answer"] and "to_balance=10500" in body["answer"]
            assert await balance(http, "bob") == 10_500 and await balance(http, "alice") == 9_500


async def test_a_cut_weather_route_is_reported_in_time_and_the_payment_still_happens() -> None:
    with anyio.fail_after(90):
        async with deployment_with_keys() as (deployment, keys), gateway(deployment, keys["all"]) as http:
            await open_accounts(http)
            await deployment.toxiproxy.disable_proxy("client-weather")
            started = anyio.current_time()
            answer = await http.post(
                "/v1/agent", json={"message": "weather in Rome, then pay 3 EUR from alice to bob"}
            )
            elapsed = anyio.current_time() - started
            body = answer.json()
            assert answer.status_code == 200, body
            assert elapsed < 30, f"took {elapsed:.1f} s, past the turn's deadline"
            weather, transfer = body["trace"][0], body["trace"][-1]
            assert weather["tool"] == "weather__get_weather" and not weather["ok"]
            assert "upstream_unavailable" in weather["error"] or "circuit_open" in weather["error"]
            assert transfer["tool"] == "wallet__transfer" and transfer["ok"]
            assert "FAILED" in body["answer"] and await balance(http, "bob") == 10_300


async def test_a_slow_weather_server_times_out_within_the_deadline_while_the_wallet_answers() -> None:
    upstreams = {"weather": {"call_timeout_s": 1.0, "retry": {"attempts": 1}}}
    with anyio.fail_after(90):
        async with (
            deployment_with_keys(upstream_overrides=upstreams) as (deployment, keys),
            gateway(deployment, keys["all"]) as http,
        ):
            await open_accounts(http)
            await deployment.toxiproxy.add_toxic(
                "client-weather", type="latency", name="slow", attributes={"latency": 5000}
            )
            started = anyio.current_time()
            answer = await http.post(
                "/v1/agent", json={"message": "weather in Oslo, then pay 2 EUR from alice to bob"}
            )
            elapsed = anyio.current_time() - started
            body = answer.json()
            assert answer.status_code == 200, body
            assert [(t["tool"], t["ok"]) for t in body["trace"]] == [
                ("weather__get_weather", False),
                ("wallet__transfer", True),
            ]
            assert "upstream_timeout" in body["trace"][0]["error"]
            assert elapsed < 5, f"the agent waited {elapsed:.1f} s for a server it gives 1 s"


async def test_the_callers_allow_list_limits_the_agent_and_cannot_be_widened_by_a_header() -> None:
    with anyio.fail_after(90):
        async with deployment_with_keys() as (deployment, keys), gateway(deployment, keys["weather"]) as http:
            widen = {"x-mcph-allowed-tools": '["*"]'}
            answer = await http.post("/v1/agent", json={"message": TASK}, headers=widen)
            body = answer.json()
            assert answer.status_code == 200, body
            assert [t["tool"] for t in body["trace"]] == ["weather__get_weather"]
            assert "no tool I was offered" in body["answer"]


async def test_bad_agent_requests_get_clear_errors_through_the_gateway() -> None:
    with anyio.fail_after(90):
        async with deployment_with_keys() as (deployment, keys), gateway(deployment, keys["all"]) as http:
            not_json = await http.post(
                "/v1/agent", content=b"weather?", headers={"content-type": "application/json"}
            )
            assert not_json.status_code == 400 and not_json.json()["error"] == "invalid_body"
            for bad in ({}, {"message": ""}, {"message": 5}, {"message": "hi", "extra": 1}):
                answer = await http.post("/v1/agent", json=bad)
                assert answer.status_code == 422, (bad, answer.text)
                assert "message" in answer.json()["message"]
            anonymous = await httpx.AsyncClient(base_url=str(http.base_url)).post(
                "/v1/agent", json={"message": "x"}
            )
            assert anonymous.status_code == 401


async def test_a_misbehaving_model_switched_on_over_http_is_recovered_from() -> None:
    with anyio.fail_after(90):
        async with deployment_with_keys() as (deployment, keys), gateway(deployment, keys["all"]) as http:
            await open_accounts(http)
            assert deployment.endpoints.llm
            control = deployment.endpoints.llm.removesuffix("/v1") + "/sim/behaviour"
            async with httpx.AsyncClient() as plain:
                assert (await plain.put(control, json={"hallucinate_tool": True})).status_code == 200
            answer = await http.post("/v1/agent", json={"message": TASK})
            body = answer.json()
            assert answer.status_code == 200, body
            assert [(t["tool"], t["ok"]) for t in body["trace"]] == [
                ("weather__get_weather_v2", False),
                ("weather__get_weather", True),
                ("wallet__transfer", True),
            ]
            assert body["trace"][0]["error"].startswith("ERROR (unknown_tool)")
