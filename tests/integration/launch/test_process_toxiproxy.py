"""The process runner with a Toxiproxy of its own (``toxiproxy_url``, from ``MCPH_TOXIPROXY_URL``): the run's
proxies are created there before the pods start, carry the proxied edge (a toxic added there is felt
through the gateway), and are deleted at the end. Without ``MCPH_TOXIPROXY_URL`` the stand-in is the
embedded Toxiproxy-compatible API served by this test, which speaks the same protocol."""

from __future__ import annotations

from contextlib import AsyncExitStack

import anyio
import pytest

from chaos.api import running_proxy_api
from chaos.client import ToxiproxyClient
from chaos.collection import ProxyCollection
from chaos.settings import ChaosSettings
from harness.launch.options import LaunchOptions
from harness.launch.process import launch_processes
from harness.scenario.gateway_probe import GatewayProbe
from harness.topology import reference_topology

EDGE = "client-weather"
WEATHER = ("weather__get_weather", {"city": "Paris"})


@pytest.mark.slow
@pytest.mark.anyio
async def test_the_proxied_edge_runs_through_the_given_toxiproxy_and_is_removed_after() -> None:
    async with AsyncExitStack() as stack:
        url = ChaosSettings().toxiproxy_url
        if url is None:
            url = await stack.enter_async_context(running_proxy_api(ProxyCollection(seed=1)))
        options = LaunchOptions(topology=reference_topology(proxied={EDGE}), toxiproxy_url=url)
        with anyio.fail_after(60):
            async with launch_processes(options) as deployment:
                assert deployment.supervisor is not None
                assert "proxy" not in deployment.supervisor.pods  # no proxy pod of our own
                assert deployment.endpoints.proxy_api == url
                proxies = await deployment.toxiproxy.list_proxies()
                assert proxies[EDGE].listen == deployment.endpoints.proxies[EDGE]
                assert proxies[EDGE].upstream == deployment.addresses["weather"]
                gateway, key = deployment.endpoints.gateway, deployment.endpoints.api_key
                assert gateway and key
                async with GatewayProbe(gateway, key) as probe:
                    quick = await probe.call(*WEATHER)
                    assert quick.ok, quick.describe()
                    await deployment.toxiproxy.add_toxic(
                        EDGE, "latency", name="slow", attributes={"latency": 600}
                    )
                    slow = await probe.call(*WEATHER)
                    assert slow.ok and slow.latency_s >= 0.6, slow.describe()
                    await deployment.toxiproxy.remove_toxic(EDGE, "slow")
        async with ToxiproxyClient(url) as toxiproxy:
            assert EDGE not in await toxiproxy.list_proxies()
