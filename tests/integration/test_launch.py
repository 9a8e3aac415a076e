"""The in-process launcher builds exactly the topology asked for: plain or mTLS edges, chosen proxies."""

from __future__ import annotations

import anyio
import pytest

from harness.launch.inprocess import LaunchOptions, launch
from harness.mcp_http import open_mcp_client
from harness.topology import reference_topology

pytestmark = pytest.mark.anyio


async def test_plain_deployment_without_proxies_or_mtls() -> None:
    options = LaunchOptions(topology=reference_topology(proxied=False), mtls=False)
    with anyio.fail_after(60):
        async with launch(options) as deployment:
            endpoints = deployment.endpoints
            assert endpoints.tls is None and endpoints.proxies == {}
            assert all(url.startswith("http://") for url in endpoints.servers.values())
            assert endpoints.gateway and endpoints.api_key
            async with open_mcp_client(endpoints.gateway, api_key=endpoints.api_key) as client:
                result = await client.call_tool("weather__get_weather", {"city": "Helsinki"})
                assert not result.is_error and result.structured_content, result.content
                assert result.structured_content["place"]["name"] == "Helsinki"
            async with open_mcp_client(endpoints.servers["wallet"]) as direct:  # reachable: no mTLS asked for
                assert not (await direct.call_tool("health", {})).is_error


async def test_only_the_chosen_edge_is_proxied_and_its_fault_stays_there() -> None:
    options = LaunchOptions(topology=reference_topology(proxied={"client-weather"}))
    with anyio.fail_after(90):
        async with launch(options) as deployment:
            endpoints = deployment.endpoints
            assert list(endpoints.proxies) == ["client-weather"]
            assert endpoints.gateway and endpoints.api_key
            async with open_mcp_client(endpoints.gateway, api_key=endpoints.api_key) as client:
                before = await client.call_tool("weather__get_weather", {"city": "Vienna"})
                assert not before.is_error, before.content
                await deployment.toxiproxy.disable_proxy("client-weather")
                weather = await client.call_tool("weather__get_weather", {"city": "Vienna"})
                wallet = await client.call_tool("wallet__audit", {})
            text = " ".join(getattr(c, "text", "") for c in weather.content)
            assert weather.is_error and "unavailable" in text, f"weather answered with its route cut: {text}"
            assert not wallet.is_error, "a fault on client-weather leaked to the wallet"
            await deployment.toxiproxy.enable_proxy("client-weather")
