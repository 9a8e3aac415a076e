"""From a scenario's topology to something to test: a launched deployment, or a running one (``target``).

:func:`reach` yields a :class:`Reached` — the gateway's URL and key, the Toxiproxy API for network
faults, the pod-fault handle when the process runner launched it — so steps never care which it is.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.launch.inprocess import Endpoints, LaunchOptions
from harness.scenario.model import Topology, Upstream
from harness.topology import reference_topology

QUICK_RECONNECT = {"reconnect_initial_s": 0.05, "reconnect_max_s": 0.5}


class UnreachableTarget(Exception):
    """The scenario's target cannot be used as given (the message says why)."""


@dataclass
class Reached:
    gateway: str
    api_key: str
    toxiproxy: Any | None  # chaos.client.ToxiproxyClient
    endpoints: Endpoints | None = None  # None for a target we did not launch
    weather_api: Any | None = None
    pod_faults: Any | None = None  # harness.launch.pod_faults.PodFaults (process runner only)
    launched: bool = True
    network: Any | None = None  # harness.launch.netns.NamespaceNetwork (netns runner only)
    transport: Any | None = None  # httpx transport the gateway caller must use (netns: from outside)


def unrunnable_reason(topology: Topology) -> str | None:
    """Why this machine cannot launch ``topology`` (the run is then skipped, never passed), or None."""
    if topology.target is None and topology.runner == "netns":
        from harness.launch.netns import netns_unavailable_reason

        reason = netns_unavailable_reason()
        return f"the netns runner cannot run here: {reason}" if reason else None
    return None


def upstream_overrides(upstream: Upstream) -> dict[str, Any]:
    out: dict[str, Any] = dict(QUICK_RECONNECT) if upstream.quick_reconnect else {}
    if upstream.deadline is not None:
        out["call_timeout_s"] = upstream.deadline
    if upstream.tool_deadlines:
        out["tool_timeouts_s"] = dict(upstream.tool_deadlines)
    if upstream.breaker is not None:
        b = upstream.breaker
        out["breaker"] = {
            "failure_rate": b.failure_rate,
            "window_s": b.window,
            "min_calls": b.min_calls,
            "open_s": b.open,
        }
    if upstream.retry_attempts is not None:
        out["retry"] = {"attempts": upstream.retry_attempts}
    return {**out, **upstream.settings}


def launch_options(topology: Topology, seed: int) -> LaunchOptions:
    gateway: dict[str, Any] = {"rate_limit": topology.gateway.rate_limit, **topology.gateway.settings}
    if topology.gateway.deadline is not None:
        gateway["upstream_timeout_s"] = topology.gateway.deadline
    return LaunchOptions(
        topology=reference_topology(proxied=topology.proxied, redis_socket=True),
        mtls=topology.tls,
        proxy_seed=seed,
        toxiproxy_url=topology.toxiproxy_url,
        redis=topology.redis,
        backends=topology.backends,
        server_overrides={name: dict(values) for name, values in topology.servers.items()},
        upstream_overrides={name: upstream_overrides(u) for name, u in topology.upstreams.items()},
        gateway_overrides=gateway,
    )


@asynccontextmanager
async def reach(
    topology: Topology,
    seed: int,
    adjust: Callable[[LaunchOptions], None] | None = None,
    pod_logs: Path | None = None,
) -> AsyncIterator[Reached]:
    """``pod_logs``: where the process runner's pod logs are copied when the deployment stops."""
    async with AsyncExitStack() as stack:
        if topology.target is not None:
            yield await stack.enter_async_context(reach_target(topology))
            return
        options = launch_options(topology, seed)
        if adjust is not None:
            adjust(options)
        if topology.runner == "process":
            from harness.launch.process import ProcessOptions, launch_processes
            from harness.launch.supervisor import RestartPolicy

            policies = {name: RestartPolicy(policy) for name, policy in topology.restart.items()}
            process_options = ProcessOptions(restart_policies=policies)
            deployment: Any = await stack.enter_async_context(launch_processes(options, process_options))
            if pod_logs is not None and deployment.run_dir is not None:
                stack.callback(keep_pod_logs, deployment.run_dir / "logs", pod_logs)
        elif topology.runner == "netns":
            from harness.launch.netns import launch_in_namespaces

            deployment = await stack.enter_async_context(launch_in_namespaces(options))
        else:
            from harness.launch.inprocess import launch

            deployment = await stack.enter_async_context(launch(options))
        e = deployment.endpoints
        if not e.gateway or not e.api_key:
            raise UnreachableTarget("the launched deployment has no gateway")
        network = getattr(deployment, "network", None)
        transport = None
        if network is not None:  # only an outside caller reaches the gateway
            from harness.launch.netns import OUTSIDE
            from harness.launch.netns_reach import NamespaceTransport

            transport = NamespaceTransport(network.namespaces[OUTSIDE])
        yield Reached(
            gateway=e.gateway,
            api_key=e.api_key,
            toxiproxy=deployment.toxiproxy if e.proxy_api or topology.toxiproxy_url else None,
            endpoints=e,
            weather_api=getattr(deployment, "weather_api", None),
            pod_faults=getattr(deployment, "faults", None),
            network=network,
            transport=transport,
        )


def keep_pod_logs(source: Path, destination: Path) -> None:
    """Copy the pods' logs out of the run directory before it is removed (certificates stay behind)."""
    destination.mkdir(parents=True, exist_ok=True)
    for log in source.glob("*.log"):
        shutil.copyfile(log, destination / log.name)


@asynccontextmanager
async def reach_target(topology: Topology) -> AsyncIterator[Reached]:
    from chaos.client import ToxiproxyClient

    target = topology.target
    assert target is not None
    key = os.environ.get(target.api_key_env, "") if target.api_key_env else ""
    if target.api_key_env and not key:
        raise UnreachableTarget(f"environment variable {target.api_key_env} (the API key) is not set")
    if target.proxy_api is None:
        yield Reached(target.gateway, key, None, launched=False)
        return
    async with ToxiproxyClient(target.proxy_api) as toxiproxy:
        yield Reached(target.gateway, key, toxiproxy, launched=False)
