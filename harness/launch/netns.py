"""The netns runner: every service in its own Linux network namespace, joined by veth pairs on one bridge,
each namespace behind a default-deny nftables ruleset rendered from the topology's allowed edges.

Plumbing only (iproute2 and nft, Debian's packages; root): the rules come from :mod:`harness.isolation`.
Namespaces are named ``mcph<pid>-<n>`` after the launcher's pid: a hub holding the bridge, one per service
and ``outside`` (a caller that is no service: it may reach the public gateway and nothing else). All
traffic stays inside these namespaces (10.200.0.0/24, no route out). They are deleted on exit, also when
launching fails; namespaces left by a launcher that was SIGKILLed are deleted by the next launch.
Fault proxies are not used here: the firewall, not a proxy, sits on every edge.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field

from harness.isolation.nftables import ruleset
from harness.isolation.policy import IngressRule, ingress_rules
from harness.launch.options import LaunchOptions
from harness.launch.process import Placement, ProcessDeployment, ProcessOptions, launch_processes
from harness.topology import Service, Topology

SUBNET = "10.200.0"
SERVICE_PORT = 8000
REDIS_PORT = 6379
OUTSIDE = "outside"
_OURS = re.compile(r"^mcph(\d+)-")


class NetnsError(RuntimeError):
    """A namespace command failed (the message has the command and its stderr)."""


def netns_unavailable_reason() -> str | None:
    """None when this machine can run the netns runner; otherwise why not."""
    if os.geteuid() != 0:
        return "network namespaces and nftables need root (run as root, as CI does)"
    for tool, package in (("ip", "iproute2"), ("nft", "nftables")):
        if shutil.which(tool) is None:
            return f"{tool} not found (apt-get install -y {package})"
    return None


def run(*argv: str, stdin: str | None = None) -> str:
    result = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, timeout=20)
    if result.returncode != 0:
        raise NetnsError(f"{' '.join(argv)}: {result.stderr.strip()}")
    return result.stdout


def delete_stale_namespaces() -> None:
    """Remove namespaces a previous launcher (now dead) left behind."""
    for line in run("ip", "netns", "list").splitlines():
        name = line.split()[0] if line.strip() else ""
        match = _OURS.match(name)
        if match and not os.path.exists(f"/proc/{match.group(1)}"):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=20)


@dataclass
class NamespaceNetwork:
    """Names and addresses of the namespaces of one run."""

    prefix: str
    hub: str
    namespaces: dict[str, str] = field(default_factory=dict)  # service (or "outside") → namespace
    addresses: dict[str, str] = field(default_factory=dict)  # service (or "outside") → IPv4
    ports: dict[str, int] = field(default_factory=dict)  # service → port it listens on
    rules: list[IngressRule] = field(default_factory=list)

    def placement(self, service: Service) -> Placement:
        return Placement(
            self.addresses[service.name], self.ports[service.name], self.namespaces[service.name]
        )


def _add_member(network: NamespaceNetwork, name: str, index: int) -> None:
    ns = f"{network.prefix}-{index}"
    address = f"{SUBNET}.{index + 2}"
    run("ip", "netns", "add", ns)
    network.namespaces[name], network.addresses[name] = ns, address
    run(
        "ip",
        "-n",
        network.hub,
        "link",
        "add",
        f"v{index}",
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "netns",
        ns,
    )
    run("ip", "-n", network.hub, "link", "set", f"v{index}", "master", "br0", "up")
    run("ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
    run("ip", "-n", ns, "link", "set", "eth0", "up")
    run("ip", "-n", ns, "link", "set", "lo", "up")


@contextmanager
def namespace_network(topology: Topology) -> Iterator[NamespaceNetwork]:
    """Build the namespaces, links and firewalls of ``topology``; always delete them on exit."""
    delete_stale_namespaces()
    prefix = f"mcph{os.getpid()}"
    network = NamespaceNetwork(prefix=prefix, hub=f"{prefix}-hub")
    created: list[str] = []
    try:
        run("ip", "netns", "add", network.hub)
        created.append(network.hub)
        run("ip", "-n", network.hub, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", network.hub, "link", "set", "br0", "up")
        for index, name in enumerate([*(s.name for s in topology.services), OUTSIDE]):
            _add_member(network, name, index)
            created.append(network.namespaces[name])
        for service in topology.services:
            network.ports[service.name] = (
                REDIS_PORT if service.kind == "backend" else service.port or SERVICE_PORT
            )
        network.rules = ingress_rules(topology, network.ports)
        for rule in network.rules:
            run(
                "ip",
                "netns",
                "exec",
                network.namespaces[rule.target],
                "nft",
                "-f",
                "-",
                stdin=ruleset(rule, network.addresses),
            )
        yield network
    finally:
        for ns in reversed(created):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)


@asynccontextmanager
async def launch_in_namespaces(
    options: LaunchOptions, process_options: ProcessOptions | None = None
) -> AsyncIterator[ProcessDeployment]:
    """The process runner, with each service in its own namespace behind its firewall."""
    if options.topology.proxied_edges():
        raise ValueError("the netns runner does not put fault proxies on edges: use a topology without them")
    with namespace_network(options.topology) as network:
        popts = process_options or ProcessOptions()
        popts.place = network.placement
        popts.allowed_hosts = [f"{address}:*" for address in network.addresses.values()]
        async with launch_processes(options, popts) as deployment:
            deployment.network = network
            yield deployment
