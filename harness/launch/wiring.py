"""Each service's settings object, built from the topology, the resolved edge addresses and the certificates.

Pure functions of their inputs (no sockets, no processes): the one place that says what each service's
settings are, for every runner — the process and netns runners hand the result to the child as JSON, the
in-process runner serves it, the Kubernetes manifests render it. Which setting an edge fills comes from
:meth:`~harness.topology.Topology.setting_filled`, so every runner wires the same edge the same way.
``dials`` may be filled as the run goes (the in-process runner learns an address when its target binds).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from client.auth import mint_dev_api_key
from client.settings import ClientSettings, GatewaySettings, UpstreamSettings, UpstreamTls
from harness.launch.certs import CertFiles
from harness.launch.options import GATEWAY_DEADLINE_MARGIN_S, LaunchOptions
from harness.topology import Topology
from servers.common.settings import ServerSettings, TlsSettings
from servers.registry import server_spec

logger = logging.getLogger(__name__)


@dataclass
class Wiring:
    """``dials[(source, target)]`` is the ``host:port`` the source connects to (a proxy's, when proxied)."""

    topology: Topology
    options: LaunchOptions
    dials: dict[tuple[str, str], str]
    certs: CertFiles | None = None  # client → servers
    gateway_edge_certs: CertFiles | None = None  # gateway → client (its own CA)
    extra_allowed_hosts: list[str] = field(default_factory=list)

    @property
    def servers_use_mtls(self) -> bool:
        return self.certs is not None and self.topology.has("client")

    def _hosts(self, defaults: list[str]) -> list[str]:
        return [*defaults, *self.extra_allowed_hosts]

    def server_settings(
        self, name: str, host: str, port: int, backends: dict[str, Any] | None = None
    ) -> ServerSettings:
        """``backends``: settings of backends the runner provides itself (e.g. a Mongo container's URL)."""
        spec = server_spec(name)
        overrides: dict[str, Any] = {"host": host, "port": port}
        if self.servers_use_mtls and self.certs is not None:
            overrides["tls"] = self.certs.server_tls()
        for edge in self.topology.edges_from(name):
            address = self.dials[(name, edge.target)]
            setting = self.topology.setting_filled(edge)
            if setting == "api_url":
                overrides["api_url"] = overrides["geocoding_url"] = f"http://{address}"
            elif setting == "redis_url":
                overrides["redis"] = {"url": f"redis://{address}/0"}
        overrides.update(backends or {})
        overrides.update(self.options.server_overrides.get(name, {}))
        settings = spec.settings_type(**overrides)
        if self.extra_allowed_hosts:
            settings.allowed_hosts = self._hosts(list(settings.allowed_hosts))
        return settings

    def client_settings(
        self, name: str, host: str, port: int, overrides: dict[str, Any] | None = None
    ) -> ClientSettings:
        """``overrides``: the client's own settings (default: the options'; the agent's model may be added)."""
        upstreams = []
        scheme = "https" if self.servers_use_mtls else "http"
        tls = UpstreamTls()
        if self.servers_use_mtls and self.certs is not None:
            paths = self.certs.client_paths()
            tls = UpstreamTls(ca_file=paths.ca, cert_file=paths.cert, key_file=paths.key)
        for edge in self.topology.edges_from(name):
            if self.topology.setting_filled(edge) != "upstreams":
                continue
            address = self.dials[(name, edge.target)]
            fields: dict[str, Any] = {"name": edge.target, "url": f"{scheme}://{address}/mcp", "tls": tls}
            fields.update(self.options.upstream_overrides.get(edge.target, {}))
            upstreams.append(UpstreamSettings(**fields))
        own = self.options.client_overrides if overrides is None else overrides
        settings = ClientSettings(host=host, port=port, upstreams=upstreams, **own)
        if self.extra_allowed_hosts:
            settings.allowed_hosts = self._hosts(list(settings.allowed_hosts))
        return settings

    def client_serve_tls(self) -> TlsSettings | None:
        """What the client app listens with: mTLS that only the gateway's certificate opens."""
        return self.gateway_edge_certs.server_tls() if self.gateway_edge_certs is not None else None

    def gateway_settings(
        self, name: str, host: str, port: int, client: ClientSettings | None
    ) -> tuple[GatewaySettings, str]:
        """The gateway's settings and the dev API key (only its hash goes into the settings)."""
        key, entry = mint_dev_api_key("dev")
        (edge,) = self.topology.edges_from(name)
        address = self.dials[(name, edge.target)]
        fields: dict[str, Any] = {
            "host": host,
            "port": port,
            "client_url": f"http://{address}",
            "api_keys": [entry],
        }
        if self.gateway_edge_certs is not None:
            paths = self.gateway_edge_certs.client_paths()
            fields["client_url"] = f"https://{address}"
            fields["client_tls"] = UpstreamTls(ca_file=paths.ca, cert_file=paths.cert, key_file=paths.key)
        if client is not None:  # the client answers every call by its deadline: outwait that, no longer
            fields["upstream_timeout_s"] = client.longest_deadline_s() + GATEWAY_DEADLINE_MARGIN_S
        fields.update(self.options.gateway_overrides)
        settings = GatewaySettings(**fields)
        if client is not None and settings.upstream_timeout_s < client.longest_deadline_s():
            logger.warning(
                "gateway upstream_timeout_s (%g s) is shorter than the client's longest call deadline "
                "(%g s): the gateway may answer 504 while a call still completes upstream",
                settings.upstream_timeout_s,
                client.longest_deadline_s(),
            )
        return settings, key
