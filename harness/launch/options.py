"""What every runner shares: the options of a launch, the endpoints it prints, the running deployment.

Kept apart from the runners so the pure wiring (:mod:`harness.launch.wiring`) and each runner can use
them without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from chaos.client import ToxiproxyClient
from client.settings import GatewaySettings
from harness.fakes.weather_api import WeatherApi
from harness.topology import Topology

GATEWAY_DEADLINE_MARGIN_S = 2.0  # the gateway outwaits the client's longest deadline by this much
RedisChoice = Literal["auto", "real", "fake"]
BackendChoice = Literal["embedded", "docker"]


class TlsPaths(BaseModel):
    """The client's certificate material: outside tools reach the servers exactly as the client does."""

    ca: str
    cert: str
    key: str


class Endpoints(BaseModel):
    """What ``mcp-harness up`` prints and writes with ``--endpoints``."""

    gateway: str | None = None
    client: str | None = None
    servers: dict[str, str] = {}
    weather_api: str | None = None
    proxy_api: str | None = None
    api_key: str | None = None
    tls: TlsPaths | None = None
    client_tls: TlsPaths | None = None  # how the gateway reaches the client (None: plain HTTP)
    proxies: dict[str, str] = {}
    redis: str | None = None
    llm: str | None = None  # the simulated LLM's OpenAI base URL (the client's agent uses it)


@dataclass
class LaunchOptions:
    topology: Topology
    mtls: bool = True
    cert_dir: Path | None = None
    proxy_seed: int | None = 7
    toxiproxy_url: str | None = None  # a real Toxiproxy instead of the embedded one
    redis: RedisChoice = "auto"
    backends: BackendChoice = "embedded"  # docker: real Mongo and Redis in containers (testcontainers)
    server_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    client_overrides: dict[str, Any] = field(default_factory=dict)
    upstream_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    gateway_overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class Deployment:
    """A running deployment: its endpoints and handles to inject faults."""

    topology: Topology
    endpoints: Endpoints
    toxiproxy: ToxiproxyClient  # the same calls drive the embedded proxy or a real one
    weather_api: WeatherApi | None = None  # in-process only: the fake's handle (its failure modes)
    addresses: dict[str, str] = field(default_factory=dict)
    gateway_settings: GatewaySettings | None = None  # as the launcher built them (in-process)
