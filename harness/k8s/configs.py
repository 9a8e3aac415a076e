"""Each app service's ``service.json`` for the cluster: the same settings the process runner hands its
children (:class:`~harness.launch.wiring.Wiring`), with Service DNS names as addresses and the mTLS files
where the pods mount their Secrets.

The gateway's API keys are left out of its file: they come from a Secret as ``MCPH_GATEWAY_API_KEYS``
(pydantic-settings reads the environment for any field the file does not set), so no key, not even its
hash, is in a ConfigMap.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.k8s.cluster import (
    MONGO,
    MONGO_PORT,
    MONGO_SOURCES,
    PORTS,
    TOXIPROXY,
    dns_names,
    launcher_topology,
    proxy_listen_ports,
)
from harness.launch.inprocess import LaunchOptions
from harness.launch.service import ServiceConfig
from harness.launch.wiring import CertFiles, Wiring
from harness.topology import Topology

LISTEN_HOST = "0.0.0.0"
SERVERS_EDGE_DIR = "/etc/mcph/tls/servers-edge"  # client → servers (each pod mounts only its half)
GATEWAY_EDGE_DIR = "/etc/mcph/tls/gateway-edge"  # gateway → client
CONFIG_DIR = "/etc/mcph/config"
CONFIG_FILE = "service.json"


def dials(topology: Topology) -> dict[tuple[str, str], str]:
    """Where each source connects: the target's Service, or Toxiproxy's listener for a proxied edge."""
    listen = proxy_listen_ports(topology)
    out: dict[tuple[str, str], str] = {}
    for edge in topology.edges:
        if edge.proxied:
            out[(edge.source, edge.target)] = f"{TOXIPROXY}:{listen[edge.proxy_name]}"
        else:
            out[(edge.source, edge.target)] = f"{edge.target}:{PORTS[edge.target]}"
    return out


def mongo_url(topology: Topology, source: str) -> str:
    address = dials(topology)[(source, MONGO)]
    return f"mongodb://{address}/?serverSelectionTimeoutMS=5000"


def service_configs(cluster: Topology) -> dict[str, ServiceConfig]:
    """``service.json`` of every app service (not Redis or Mongo, which run their own images)."""
    proxied = any(e.proxied for e in cluster.edges)
    launcher = launcher_topology(proxied=proxied)
    hosts = [f"{n}:*" for svc in (*PORTS, TOXIPROXY) for n in dns_names(svc)]
    wiring = Wiring(
        topology=launcher,
        options=LaunchOptions(
            topology=launcher,
            server_overrides={s: {"mongo": {"url": mongo_url(cluster, s)}} for s in MONGO_SOURCES},
        ),
        dials=dials(cluster),
        certs=CertFiles(Path(SERVERS_EDGE_DIR)),
        gateway_edge_certs=CertFiles(Path(GATEWAY_EDGE_DIR)),
        extra_allowed_hosts=hosts,
    )
    configs: dict[str, ServiceConfig] = {}
    client = None
    for name in launcher.start_order():
        kind = launcher.service(name).kind
        port = PORTS[name]
        if kind == "server":
            settings: Any = wiring.server_settings(name, LISTEN_HOST, port)
            configs[name] = _config("server", name, settings.model_dump(mode="json"))
        elif kind == "fake":
            configs[name] = _config("fake", name, {"host": LISTEN_HOST, "port": port})
        elif kind == "client":
            client = wiring.client_settings(name, LISTEN_HOST, port)
            configs[name] = _config("client", name, client.model_dump(mode="json"), wiring.client_serve_tls())
        elif kind == "gateway":
            gateway, _unused_dev_key = wiring.gateway_settings(name, LISTEN_HOST, port, client)
            fields = gateway.model_dump(mode="json")
            del fields["api_keys"]  # from the Secret, as MCPH_GATEWAY_API_KEYS
            configs[name] = _config("gateway", name, fields)
    return configs


def _config(role: Any, name: str, settings: dict[str, Any], serve_tls: Any = None) -> ServiceConfig:
    return ServiceConfig(role=role, name=name, settings=settings, serve_tls=serve_tls)


def config_json(config: ServiceConfig) -> str:
    return json.dumps(config.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


__all__ = ["CONFIG_DIR", "CONFIG_FILE", "MONGO_PORT", "config_json", "service_configs"]
