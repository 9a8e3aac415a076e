"""The netns runner proves isolation: every ordered pair of services (and an outside caller) is tried;
exactly the topology's allowed edges connect, every other pair is refused or dropped. Root only."""

from __future__ import annotations

import subprocess

import anyio
import httpx
import pytest

from harness.launch.inprocess import LaunchOptions
from harness.launch.netns import OUTSIDE, NamespaceNetwork, launch_in_namespaces, netns_unavailable_reason
from harness.launch.netns_reach import measure_matrix
from harness.launch.probes import in_netns
from harness.mcp_wire import modern_request
from harness.topology import reference_topology

pytestmark = pytest.mark.skipif(
    netns_unavailable_reason() is not None, reason=str(netns_unavailable_reason())
)


@pytest.mark.anyio
async def test_exactly_the_allowed_edges_connect() -> None:
    options = LaunchOptions(topology=reference_topology(proxied=False, redis_socket=True))
    async with launch_in_namespaces(options) as deployment:
        network: NamespaceNetwork = deployment.network
        services = [s.name for s in options.topology.services]
        sources = [*services, OUTSIDE]
        matrix = await measure_matrix(network)
        allowed = matrix.allowed
        assert ("client", "wallet") in allowed and ("outside", "gateway") in allowed
        assert ("gateway", "wallet") not in allowed and ("outside", "client") not in allowed
        assert not matrix.unexpected and not matrix.missing, f"reachability differs: {matrix.seen}"
        assert sum(1 for v in matrix.seen.values() if v == "connected") == len(allowed) == 13
        assert len(matrix.seen) == len(sources) * len(services) - len(services)

        # and the deployment works through its firewalls: a tool call from outside via the gateway
        assert deployment.endpoints.gateway and deployment.endpoints.api_key
        body, headers = modern_request(
            "tools/call", {"name": "weather__get_weather", "arguments": {"city": "Paris"}}
        )
        headers["Authorization"] = f"Bearer {deployment.endpoints.api_key}"

        def call() -> httpx.Response:
            with httpx.Client(timeout=20) as http:
                return http.post(deployment.endpoints.gateway or "", json=body, headers=headers)

        response = await anyio.to_thread.run_sync(lambda: in_netns(network.namespaces[OUTSIDE], call))
        assert response.status_code == 200 and response.json()["result"]["isError"] is False, response.text
        ours = network.prefix
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10).stdout  # noqa: ASYNC221
    assert ours not in listed  # every namespace of the run is gone
