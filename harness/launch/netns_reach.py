"""Trying who reaches whom in a netns deployment, from inside each namespace — the proof of its isolation.

Every ordered pair (source, target) is dialled from the source's namespace; the outcome is compared
with the pairs the topology's ingress rules allow (:func:`harness.isolation.policy.reachable`). The
expected set comes from the policy, never from the rendered firewall, so a widened rule shows up as a
pair that connected but should not. Also: an httpx transport whose connections start in a namespace,
so a gateway caller can stand where an outside client stands.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Literal

import anyio
import httpx

from harness.isolation.policy import reachable
from harness.launch.netns import OUTSIDE, NamespaceNetwork
from harness.launch.probes import in_netns

Reach = Literal["connected", "refused", "dropped"]
DIAL_TIMEOUT_S = 0.5


def try_connect(network: NamespaceNetwork, source: str, target: str) -> Reach:
    """Dial ``target``'s port from ``source``'s namespace (blocking; at most ``DIAL_TIMEOUT_S``)."""

    def attempt() -> Reach:
        try:
            address = (network.addresses[target], network.ports[target])
            with socket.create_connection(address, timeout=DIAL_TIMEOUT_S):
                return "connected"
        except ConnectionRefusedError:
            return "refused"
        except OSError:  # timeout: the packet was dropped
            return "dropped"

    return in_netns(network.namespaces[source], attempt)


@dataclass(frozen=True)
class Matrix:
    """Every ordered pair tried, and which of them the topology allows."""

    seen: dict[tuple[str, str], Reach]
    allowed: set[tuple[str, str]]

    @property
    def unexpected(self) -> list[tuple[str, str]]:
        """Connected, but the topology does not allow it (isolation too wide)."""
        return sorted(p for p, r in self.seen.items() if r == "connected" and p not in self.allowed)

    @property
    def missing(self) -> list[tuple[str, str]]:
        """Allowed, but did not connect (isolation too narrow, or a service down)."""
        return sorted(p for p, r in self.seen.items() if r != "connected" and p in self.allowed)


def services_of(network: NamespaceNetwork) -> list[str]:
    return list(network.ports)


def reach_matrix(network: NamespaceNetwork) -> Matrix:
    """Dial every service from every other service and from outside (blocking; run it in a thread)."""
    services = services_of(network)
    sources = [*services, OUTSIDE]
    seen = {(s, t): try_connect(network, s, t) for s in sources for t in services if s != t}
    return Matrix(seen, reachable(network.rules, sources))


async def measure_matrix(network: NamespaceNetwork, timeout_s: float = 60.0) -> Matrix:
    with anyio.fail_after(timeout_s):
        return await anyio.to_thread.run_sync(reach_matrix, network)


class NamespaceTransport(httpx.AsyncBaseTransport):
    """Sends each request from inside ``namespace`` (a blocking client in a thread that entered it)."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._sync = httpx.HTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        inner = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=content,
            extensions=request.extensions,
        )

        def send() -> httpx.Response:
            response = self._sync.handle_request(inner)
            return httpx.Response(response.status_code, headers=response.headers, content=response.read())

        return await anyio.to_thread.run_sync(in_netns, self.namespace, send)

    async def aclose(self) -> None:
        self._sync.close()
