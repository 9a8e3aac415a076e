"""The process runner: every service of the topology in its own supervised OS process, like a pod.

Gateway, client, each server and the fake weather API run as ``python -m harness.launch.service``;
Redis is Debian's ``redis-server`` (fakeredis' TCP server in a child where it is missing); the fault
proxy is ``mcp-harness proxy`` with one proxy per proxied edge. Addresses are fixed before anything
starts (a free port per service, or each service's own namespace address under the netns runner), so a
restarted pod comes back where its callers already dial it — like a Kubernetes Service. Settings come
from :mod:`harness.launch.wiring`, the same objects the in-process runner builds, written as JSON beside
the pod's log. Pods start in dependency order and each must pass its readiness probe before the next.
Fault proxies are one ``mcp-harness proxy`` pod, or — with ``toxiproxy_url`` (``MCPH_TOXIPROXY_URL``) — a
real Toxiproxy, where the run's proxies are created before the pods start and deleted at the end.

Pod faults (kill, stop, freeze, thaw, cpu-hog, restart) are served by the launcher over HTTP
(:mod:`harness.launch.fault_api`) next to the proxy API. A restart loses what the pod kept in memory —
the embedded Mongo (mongomock) of the weather and wallet servers, the client's sessions and breakers.
A service with ``cpu_limit_millicores`` runs in its own cgroup with that CFS quota
(:mod:`harness.launch.cgroups`), as the kubelet enforces a pod's CPU limit.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import anyio
from pydantic import BaseModel

from chaos.client import ToxiproxyClient, ToxiproxyError
from client.settings import ClientSettings
from harness.fakes.redis_server import free_port
from harness.launch.certs import run_certificates
from harness.launch.cgroups import CpuLimits
from harness.launch.child import ChildSpec
from harness.launch.fault_api import running_fault_api
from harness.launch.options import LaunchOptions
from harness.launch.pod_faults import PodFaults
from harness.launch.probes import http_probe, redis_probe, tcp_probe
from harness.launch.process_types import (
    Placement,
    PodRow,
    ProcessDeployment,
    ProcessEndpoints,
    ProcessOptions,
    loopback_placement,
)
from harness.launch.service import ServiceConfig, ServiceRole
from harness.launch.supervisor import Pod, PodOptions, ReadinessProbe, Supervisor
from harness.launch.wiring import Wiring
from harness.topology import Topology
from servers.common.settings import TlsSettings

__all__ = [  # the types of a process launch, importable from here as before
    "Placement",
    "PodRow",
    "ProcessDeployment",
    "ProcessEndpoints",
    "ProcessOptions",
    "launch_processes",
    "loopback_placement",
    "start_layers",
]
PROXY_POD = "proxy"


class ProcessLauncher:
    def __init__(
        self,
        options: LaunchOptions,
        process_options: ProcessOptions,
        run_dir: Path,
        cpu_limits: CpuLimits | None = None,
    ) -> None:
        self.options = options
        self.cpu_limits = cpu_limits
        self.topology = options.topology
        self.popts = process_options
        self.run_dir = run_dir
        self.placements = {s.name: process_options.place(s) for s in self.topology.services}
        self.endpoints = ProcessEndpoints(run_dir=str(run_dir))
        self.proxy_listens: dict[str, str] = {}
        self._client: ClientSettings | None = None
        certs = edge_certs = None
        if options.mtls and self.topology.has("client"):
            hosts = [p.host for p in self.placements.values()]
            certs, edge_certs = run_certificates(
                run_dir / "certs", hosts, gateway_edge=self.topology.has("gateway")
            )
            self.endpoints.tls = certs.client_paths()
            self.endpoints.client_tls = edge_certs.client_paths() if edge_certs else None
        self.wiring = Wiring(
            self.topology,
            options,
            self._dials(),
            certs,
            edge_certs,
            extra_allowed_hosts=process_options.allowed_hosts,
        )

    def _dials(self) -> dict[tuple[str, str], str]:
        dials: dict[tuple[str, str], str] = {}
        for edge in self.topology.edges:
            if edge.proxied:
                listen = f"127.0.0.1:{free_port()}"
                self.proxy_listens[edge.proxy_name] = listen
                dials[(edge.source, edge.target)] = listen
            else:
                dials[(edge.source, edge.target)] = self.placements[edge.target].address
        return dials

    def pod(self, name: str, argv: list[str], probe: ReadinessProbe, netns: str | None = None) -> Pod:
        policy = self.popts.restart_policies.get(name, self.popts.pod.restart_policy)
        options = PodOptions(**{**self.popts.pod.__dict__, "restart_policy": policy})
        spec = ChildSpec(
            name=name,
            argv=argv,
            log_path=self.run_dir / "logs" / f"{name}.log",
            netns=netns,
            cgroup=self.cgroup_of(name),
        )
        return Pod(spec=spec, ready=probe, options=options)

    def cgroup_of(self, name: str) -> Path | None:
        """The pod's CPU-limited cgroup, when its service has a CPU limit."""
        if not self.topology.has(name):
            return None  # the fault proxy pod is the harness's own, not a service of the topology
        millicores = self.topology.service(name).cpu_limit_millicores
        if millicores is None:
            return None
        assert self.cpu_limits is not None, "launch_processes opens the CPU limits when a service has one"
        return self.cpu_limits.group_for(name, millicores)

    async def start_proxy(self, supervisor: Supervisor) -> str:
        """The fault proxy as its own pod, its proxies created from a populate file; returns the API URL."""
        upstreams = {e.proxy_name: self.placements[e.target].address for e in self.topology.proxied_edges()}
        config = [
            {"name": name, "listen": listen, "upstream": upstreams[name], "enabled": True}
            for name, listen in self.proxy_listens.items()
        ]
        path = self.run_dir / "configs" / "proxies.json"
        path.write_text(json.dumps(config, indent=2))
        port = free_port()
        fields = _ProxyFields(host="127.0.0.1", port=port, config=str(path), seed=self.options.proxy_seed)
        argv = self.service_argv("proxy", PROXY_POD, fields)
        await supervisor.start(self.pod(PROXY_POD, argv, http_probe("127.0.0.1", port, "/version")))
        self.endpoints.proxies = dict(self.proxy_listens)
        return f"http://127.0.0.1:{port}"

    @asynccontextmanager
    async def external_proxies(self, toxiproxy: ToxiproxyClient) -> AsyncIterator[None]:
        """With a real Toxiproxy (``toxiproxy_url``): this run's proxies created there before any pod starts
        (each where Toxiproxy binds it, which its source then dials), and deleted again at the end."""
        if self.options.toxiproxy_url is None:
            yield
            return
        created: list[str] = []
        try:
            for edge in self.topology.proxied_edges():
                upstream = self.placements[edge.target].address
                proxy = await toxiproxy.create_proxy(edge.proxy_name, upstream=upstream, listen="127.0.0.1:0")
                created.append(edge.proxy_name)
                self.proxy_listens[edge.proxy_name] = proxy.listen
                self.wiring.dials[(edge.source, edge.target)] = proxy.listen
            self.endpoints.proxies = dict(self.proxy_listens)
            yield
        finally:
            with anyio.CancelScope(shield=True):
                for name in created:  # a shared Toxiproxy keeps nothing of this run
                    with suppress(ToxiproxyError):
                        await toxiproxy.delete_proxy(name)

    def service_argv(
        self, role: ServiceRole, name: str, settings: BaseModel, serve_tls: TlsSettings | None = None
    ) -> list[str]:
        config = ServiceConfig(
            role=role, name=name, settings=settings.model_dump(mode="json"), serve_tls=serve_tls
        )
        path = self.run_dir / "configs" / f"{name}.json"
        path.write_text(config.model_dump_json(indent=2))
        return [sys.executable, "-m", "harness.launch.service", str(path)]

    async def start_service(self, supervisor: Supervisor, name: str) -> None:
        kind = self.topology.service(name).kind
        where = self.placements[name]
        host, port, ns = where.host, where.port, where.netns
        if kind == "backend":
            redis = shutil.which("redis-server")
            if redis is not None and self.options.redis != "fake":
                argv = [redis, "--port", str(port), "--bind", host, "--save", "", "--appendonly", "no"]
                argv += ["--protected-mode", "no"]
            else:
                argv = self.service_argv("fakeredis", name, _HostPort(host=host, port=port))
            await supervisor.start(self.pod(name, argv, redis_probe(host, port, ns), ns))
            self.endpoints.redis = f"redis://{where.address}/0"
        elif kind == "fake":
            argv = self.service_argv("fake", name, _HostPort(host=host, port=port))
            await supervisor.start(self.pod(name, argv, tcp_probe(host, port, ns), ns))
            self.endpoints.weather_api = f"http://{where.address}"
        elif kind == "server":
            settings = self.wiring.server_settings(name, host, port)
            argv = self.service_argv("server", name, settings)
            await supervisor.start(self.pod(name, argv, tcp_probe(host, port, ns), ns))
            scheme = "https" if settings.tls.enabled else "http"
            self.endpoints.servers[name] = f"{scheme}://{where.address}{settings.path}"
        elif kind == "client":
            self._client = self.wiring.client_settings(name, host, port)
            tls = self.wiring.client_serve_tls()
            argv = self.service_argv("client", name, self._client, tls)
            probe = tcp_probe(host, port, ns) if tls else http_probe(host, port, "/readyz", ns)
            await supervisor.start(self.pod(name, argv, probe, ns))
            self.endpoints.client = f"{'https' if tls else 'http'}://{where.address}/mcp"
        elif kind == "gateway":
            gateway, key = self.wiring.gateway_settings(name, host, port, self._client)
            argv = self.service_argv("gateway", name, gateway)
            await supervisor.start(self.pod(name, argv, http_probe(host, port, "/healthz", ns), ns))
            self.endpoints.gateway = f"http://{where.address}/mcp"
            self.endpoints.api_key = key


class _HostPort(BaseModel):
    host: str
    port: int


class _ProxyFields(_HostPort):
    config: str  # Toxiproxy populate file: the proxies to create at start
    seed: int | None = None


def start_layers(topology: Topology) -> list[list[str]]:
    """Services grouped so each group depends only on earlier groups (those start in parallel)."""
    depth: dict[str, int] = {}
    for name in topology.start_order():  # targets come first, so their depth is known
        depth[name] = 1 + max((depth[e.target] for e in topology.edges_from(name)), default=-1)
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for name in topology.start_order():
        layers[depth[name]].append(name)
    return layers


@asynccontextmanager
async def launch_processes(
    options: LaunchOptions, process_options: ProcessOptions | None = None
) -> AsyncIterator[ProcessDeployment]:
    """Start one supervised process per service; yields once every pod is ready; stops them all on exit."""
    if options.backends == "docker":  # never run embedded backends while the options ask for real ones
        raise ValueError(
            "backends 'docker' (Mongo and Redis in containers) run with the in-process runner only"
        )
    popts = process_options or ProcessOptions()
    own_dir = popts.run_dir is None
    run_dir = popts.run_dir or Path(tempfile.mkdtemp(prefix="mcp-harness-run-"))
    (run_dir / "configs").mkdir(parents=True, exist_ok=True)
    limited = any(s.cpu_limit_millicores is not None for s in options.topology.services)
    cpu_limits = await anyio.to_thread.run_sync(CpuLimits.open, popts.cpu_period_us) if limited else None
    launcher = await anyio.to_thread.run_sync(ProcessLauncher, options, popts, run_dir, cpu_limits)
    faults: PodFaults | None = None
    try:
        async with anyio.create_task_group() as tg:
            supervisor = Supervisor(tg)
            try:
                proxy_url = options.toxiproxy_url
                if proxy_url is None and launcher.proxy_listens:
                    proxy_url = await launcher.start_proxy(supervisor)
                launcher.endpoints.proxy_api = proxy_url
                async with (
                    ToxiproxyClient(proxy_url or "http://127.0.0.1:9") as toxiproxy,
                    launcher.external_proxies(toxiproxy),
                ):
                    for layer in start_layers(launcher.topology):
                        async with anyio.create_task_group() as starting:  # a layer's pods start together
                            for name in layer:
                                starting.start_soon(launcher.start_service, supervisor, name)
                    faults = PodFaults(supervisor)
                    async with running_fault_api(faults) as fault_url:
                        launcher.endpoints.fault_api = fault_url
                        yield ProcessDeployment(
                            topology=options.topology,
                            endpoints=launcher.endpoints,
                            toxiproxy=toxiproxy,
                            addresses={n: p.address for n, p in launcher.placements.items()},
                            supervisor=supervisor,
                            faults=faults,
                            run_dir=run_dir,
                            cpu_limits=cpu_limits,
                        )
            finally:
                with anyio.CancelScope(shield=True):
                    if faults is not None:
                        await faults.stop_hogs()
                    await supervisor.stop_all()
                tg.cancel_scope.cancel()
    finally:
        if cpu_limits is not None:
            cpu_limits.remove_all()
        if own_dir:
            shutil.rmtree(run_dir, ignore_errors=True)
