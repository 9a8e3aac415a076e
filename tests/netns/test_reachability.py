"""The netns runner proves isolation: every ordered pair of services (and an outside caller) is tried;
exactly the topology's allowed edges connect, every other pair is refused or dropped. Root only."""

from __future__ import annotations

import socket
import subprocess
from typing import Literal

import anyio
import httpx
import pytest

from harness.isolation.policy import reachable
from harness.launch.inprocess import LaunchOptions
from harness.launch.netns import OUTSIDE, NamespaceNetwork, launch_in_namespaces, netns_unavailable_reason
from harness.launch.probes import in_netns
from harness.mcp_wire import modern_request
from harness.topology import reference_topology

pytestmark = pytest.mark.skipif(
    netns_unavailable_reason() is not None, reason=str(netns_unavailable_reason())
)
Reach = Literal["connected", "refused", "dropped"]


def try_connect(network: NamespaceNetwork, source: str, target: str) -> Reach:
    def attempt() -> Reach:
        try:
            with socket.create_connection((network.addresses[target], network.ports[target]), timeout=0.5):
                return "connected"
        except ConnectionRefusedError:
            return "refused"
        except OSError:  # timeout: the packet was dropped
            return "dropped"

    return in_netns(network.namespaces[source], attempt)


@pytest.mark.anyio
async def test_exactly_the_allowed_edges_connect() -> None:
    options = LaunchOptions(topology=reference_topology(proxied=False, redis_socket=True))
    async with launch_in_namespaces(options) as deployment:
        network: NamespaceNetwork = deployment.network
        services = [s.name for s in options.topology.services]
        sources = [*services, OUTSIDE]
        allowed = reachable(network.rules, sources)
        assert ("client", "wallet") in allowed and ("outside", "gateway") in allowed
        assert ("gateway", "wallet") not in allowed and ("outside", "client") not in allowed

        def matrix() -> dict[tuple[str, str], Reach]:
            return {(s, t): try_connect(network, s, t) for s in sources for t in services if s != t}

        with anyio.fail_after(60):
            seen = await anyio.to_thread.run_sync(matrix)
        wrong = {
            pair: result for pair, result in seen.items() if (result == "connected") != (pair in allowed)
        }
        assert not wrong, f"reachability differs from the topology: {wrong}"
        assert sum(1 for v in seen.values() if v == "connected") == len(allowed) == 13
        assert len(seen) == len(sources) * len(services) - len(services)

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
