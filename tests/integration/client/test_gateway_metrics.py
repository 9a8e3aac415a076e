"""The gateway's /metrics: its own traffic, refusals and client latency, behind credentials by default."""

from __future__ import annotations

import httpx
import prometheus_client
import pytest
from prometheus_client.parser import text_string_to_metric_families

from client.gateway import create_gateway_app
from client.settings import GatewaySettings
from harness.fixtures.client import serve_stack, toy_weather
from harness.mcp_wire import modern_request

pytestmark = pytest.mark.anyio
TOOLS_LIST, MCP_HEADERS = modern_request("tools/list")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page, keyed by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def requests(route: str, status_class: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return ("mcph_gateway_requests_total", (("route", route), ("status_class", status_class)))


def latency_count(route: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return ("mcph_gateway_upstream_seconds_count", (("route", route),))


async def test_metrics_count_traffic_refusals_and_latency_and_need_credentials() -> None:
    async with (
        serve_stack([toy_weather()], gateway_overrides={"rate_limit": "4/minute"}) as stack,
        httpx.AsyncClient() as http,
    ):
        gateway, key = stack.gateway_url, {"X-API-Key": stack.api_key}
        refused = await http.get(f"{gateway}/metrics")
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert (await http.get(f"{gateway}/metrics", headers={"X-API-Key": "mcph_wrong"})).status_code == 401

        assert (await http.get(f"{gateway}/v1/tools", headers=key)).status_code == 200
        assert (await http.post(f"{gateway}/v1/tools/nope__x/call", json={}, headers=key)).status_code == 404
        listed = await http.post(f"{gateway}/mcp", json=TOOLS_LIST, headers={**key, **MCP_HEADERS})
        assert listed.status_code == 200 and listed.json()["result"]["tools"], listed.text
        garbage = await http.post(f"{gateway}/mcp", content=b"\xff\xfe", headers=key)
        assert 400 <= garbage.status_code < 500
        assert (await http.get(f"{gateway}/v1/tools", headers=key)).status_code == 429
        assert (await http.get(f"{gateway}/v1/tools")).status_code == 401

        scraped = await http.get(f"{gateway}/metrics", headers=key)  # never rate limited
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain")
        values = samples(scraped.text)
        assert values[requests("rest", "2xx")] == 1
        assert values[requests("rest", "4xx")] == 3  # 404, 429, 401
        assert values[requests("mcp", "2xx")] == 1
        assert values[requests("mcp", "4xx")] == 1
        assert values[("mcph_gateway_auth_failures_total", ())] == 3  # two scrapes and one call
        assert values[("mcph_gateway_rate_limited_total", ())] == 1
        assert values[latency_count("rest")] == 2  # only requests the client answered
        assert values[latency_count("mcp")] == 1  # the non-UTF-8 body was refused at the gateway
        assert ("mcph_client_upstream_up", (("upstream", "weather"),)) in values  # the client's, appended


async def test_metrics_public_serves_without_credentials() -> None:
    async with (
        serve_stack([toy_weather()], gateway_overrides={"metrics_public": True}) as stack,
        httpx.AsyncClient() as http,
    ):
        scraped = await http.get(f"{stack.gateway_url}/metrics")
        assert scraped.status_code == 200
        assert samples(scraped.text)[("mcph_gateway_auth_failures_total", ())] == 0
        assert (await http.get(f"{stack.gateway_url}/v1/tools")).status_code == 401


async def test_metrics_say_so_when_the_client_cannot_be_scraped() -> None:
    settings = GatewaySettings(client_url="http://127.0.0.1:9", metrics_public=True, connect_timeout_s=1)
    app = create_gateway_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            scraped = await http.get("/metrics")
    assert scraped.status_code == 200
    assert "# client metrics unavailable: ConnectError" in scraped.text
    assert ("mcph_gateway_rate_limited_total", ()) in samples(scraped.text)


def test_each_gateway_app_has_its_own_registry() -> None:
    first, second = (create_gateway_app(GatewaySettings()) for _ in range(2))
    first.state.runtime.metrics.rate_limited.inc()
    assert first.state.runtime.metrics.registry.get_sample_value("mcph_gateway_rate_limited_total") == 1
    assert second.state.runtime.metrics.registry.get_sample_value("mcph_gateway_rate_limited_total") == 0
    assert prometheus_client.REGISTRY.get_sample_value("mcph_gateway_rate_limited_total") is None
