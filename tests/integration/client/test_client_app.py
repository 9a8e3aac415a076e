"""The client app: aggregated MCP endpoint in both protocol versions, REST, readiness, metrics, refresh."""

from __future__ import annotations

import anyio
import httpx
import pytest
from mcp import Client

from client.app import create_client_app
from client.errors import ToolCollision
from client.settings import ClientSettings, UpstreamSettings
from harness.fixtures.client import serve_stack, serve_toy, toy_wallet, toy_weather
from servers.common.asgi_serving import serve_asgi

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_mcp_endpoint_lists_namespaced_tools_and_routes_calls(mode: str) -> None:
    async with serve_stack() as stack:
        with anyio.fail_after(15):
            async with Client(f"{stack.client_url}/mcp", mode=mode) as client:
                tools = {t.name: t for t in (await client.list_tools()).tools}
                assert len(tools) == 15 and "client__find_tools" in tools
                assert tools["wallet__deposit"].annotations.idempotent_hint is False  # type: ignore[union-attr]
                assert tools["weather__get_weather"].annotations.read_only_hint is True  # type: ignore[union-attr]
                assert tools["wallet__transfer"].input_schema["required"] == [
                    "source", "destination", "amount", "idempotency_key"
                ]  # fmt: skip
                balance = await client.call_tool("wallet__get_balance", {"account": "bob"})
                assert balance.structured_content == {"result": {"account": "bob", "balance": 50.0}}
                found = await client.call_tool(
                    "client__find_tools", {"query": "send money to bob", "limit": 2}
                )
                assert found.structured_content["results"][0]["name"] == "wallet__transfer"  # type: ignore[index]
                bad = await client.call_tool("client__find_tools", {"query": ""})
                assert bad.is_error
        assert stack.toys["wallet"].control.invocations == {"get_balance": 1}
        assert stack.toys["weather"].control.invocations == {}


async def test_readyz_reports_a_dead_required_upstream_and_healthz_stays_up() -> None:
    async with serve_toy(toy_weather()) as url:
        upstreams = [
            UpstreamSettings(name="weather", url=url),
            UpstreamSettings(name="wallet", url="http://127.0.0.1:9/mcp", connect_timeout_s=1),
        ]
        app = create_client_app(ClientSettings(upstreams=upstreams))
        with anyio.fail_after(15):
            async with serve_asgi(app) as client, httpx.AsyncClient() as http:
                assert (await http.get(f"{client.base_url}/healthz")).status_code == 200
                ready = await http.get(f"{client.base_url}/readyz")
                assert ready.status_code == 503
                assert ready.json()["upstreams"]["wallet"]["connected"] is False
                assert ready.json()["upstreams"]["weather"]["connected"] is True
                ok = await http.post(
                    f"{client.base_url}/v1/tools/weather__get_weather/call", json={"city": "x"}
                )
                assert ok.status_code == 200
                metrics = (await http.get(f"{client.base_url}/metrics")).text
                assert 'mcph_client_upstream_up{upstream="wallet"} 0.0' in metrics
                assert (
                    'mcph_client_tool_calls_total{outcome="ok",tool="get_weather",upstream="weather"} 1.0'
                    in metrics
                )
                assert "mcph_client_tool_call_seconds_bucket" in metrics


async def test_fail_policy_refuses_to_start_on_a_collision() -> None:
    async with serve_toy(toy_weather()) as weather, serve_toy(toy_wallet()) as wallet:
        settings = ClientSettings(
            upstreams=[
                UpstreamSettings(name="weather", url=weather),
                UpstreamSettings(name="wallet", url=wallet),
            ],
            collision_policy="fail",
        )
        app = create_client_app(settings)
        with anyio.fail_after(15), pytest.raises(ToolCollision, match="health"):
            async with app.router.lifespan_context(app):
                pass


async def test_tools_are_refreshed_when_a_server_changes_its_list() -> None:
    toy = toy_weather()
    async with serve_stack([toy]) as stack, httpx.AsyncClient() as http:
        runtime = stack.client_app.state.runtime

        def get_alerts(region: str) -> str:
            """Severe weather alerts for a region."""
            return "none"

        toy.server.add_tool(get_alerts)
        runtime.pool["weather"].request_probe()
        with anyio.fail_after(5):
            while "weather__get_alerts" not in {t.name for t in runtime.router.tools()}:  # noqa: ASYNC110
                await anyio.sleep(0.02)  # bounded poll of the router, not a synchronising sleep
        called = await http.post(
            f"{stack.client_url}/v1/tools/weather__get_alerts/call", json={"region": "north"}
        )
        assert called.status_code == 200 and called.json()["isError"] is False


async def test_rest_rejects_bad_bodies_and_limits_size() -> None:
    async with (
        serve_stack(client_overrides={"max_request_bytes": 2048}) as stack,
        httpx.AsyncClient() as http,
    ):
        url = f"{stack.client_url}/v1/tools/weather__get_weather/call"
        assert (await http.post(url, content=b"[]")).status_code == 400
        assert (await http.post(url, content=b"{")).status_code == 400
        assert (await http.post(url, content=b"x" * 4096)).status_code == 413
        assert (await http.get(f"{stack.client_url}/v1/tools/search")).status_code == 400
        assert (
            await http.get(f"{stack.client_url}/v1/tools/search", params={"q": "x", "limit": "0"})
        ).status_code == 400
