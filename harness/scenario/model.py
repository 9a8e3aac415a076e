"""The scenario file's shape: a topology, a timeline of steps, and expectations — one pydantic model.

This is the one source of the YAML format: the loader validates against it, ``scenarios/schema.json``
is generated from it (editors complete and check scenario files with it), and the runner reads it.
Every model forbids unknown keys, so a misspelt key is an error with a line number, not a silent no-op.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from harness.scenario.expect import Expectation
from harness.scenario.fields import Seconds, Strict
from harness.scenario.timeline import Step


class Breaker(Strict):
    """The client's circuit breaker towards one server (see ``client.resilience``)."""

    failure_rate: float = Field(0.5, gt=0, le=1)
    window: Seconds = 2.0
    min_calls: int = Field(4, ge=1)
    open: Seconds = 1.0


class Upstream(Strict):
    """How the client treats one server: its deadline, breaker and retries."""

    deadline: Seconds | None = Field(None, description="the client's call deadline towards this server")
    tool_deadlines: dict[str, Seconds] = Field(default_factory=dict, description="per tool, plain tool names")
    breaker: Breaker | None = None
    retry_attempts: int | None = Field(None, ge=1)
    quick_reconnect: bool = Field(False, description="reconnect within 50–500 ms, health every 1 s")
    settings: dict[str, Any] = Field(default_factory=dict, description="raw UpstreamSettings overrides")


class Gateway(Strict):
    deadline: Seconds | None = Field(None, description="the gateway's upstream deadline")
    rate_limit: str = "100000/minute"
    settings: dict[str, Any] = Field(default_factory=dict, description="raw GatewaySettings overrides")


class Target(Strict):
    """An already running deployment to test instead of launching one (your own servers)."""

    gateway: str = Field(description="its MCP URL, e.g. https://mcp.example.com/mcp")
    api_key_env: str | None = Field(None, description="environment variable holding the API key")
    proxy_api: str | None = Field(None, description="Toxiproxy API in front of its edges, for faults")


class Topology(Strict):
    """What to launch (or, with ``target``, what to reach), and how it is configured."""

    runner: Literal["inprocess", "process", "netns"] = Field(
        "inprocess",
        description="netns: processes in their own network namespaces behind default-deny firewalls "
        "(root only; with proxied: false; calls go from an outside namespace through the gateway)",
    )
    restart: dict[str, Literal["Always", "OnFailure", "Never"]] = Field(
        default_factory=dict,
        description="process runner: a pod's restart policy, by service (default Always)",
    )
    proxied: bool = Field(True, description="every edge through a fault proxy")
    tls: bool = Field(True, description="mTLS between client and servers, gateway and client")
    redis: Literal["auto", "real", "fake"] = Field("auto", description="real: Debian's redis-server")
    backends: Literal["embedded", "docker"] = "embedded"
    toxiproxy_url: str | None = Field(None, description="a real Toxiproxy instead of the embedded proxy")
    gateway: Gateway = Field(default_factory=lambda: Gateway.model_validate({}))
    upstreams: dict[Literal["weather", "wallet", "knowledge"], Upstream] = Field(default_factory=dict)
    servers: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="raw server settings overrides, by server name"
    )
    target: Target | None = None

    @model_validator(mode="after")
    def netns_without_proxies(self) -> Topology:
        if self.runner == "netns" and self.proxied:
            raise ValueError(
                "runner netns puts a firewall, not a fault proxy, on every edge: set proxied: false"
            )
        return self


class Scenario(Strict):
    """A named, seeded experiment: launch ``topology``, play ``steps``, judge ``expect``."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    seed: int = Field(20261125, description="every random choice of the run comes from it")
    tags: list[str] = Field(default_factory=list, description="pytest markers for this scenario's item")
    timeout: Seconds = Field(120.0, description="the whole run, steps and judging, is bounded by this")
    topology: Topology = Field(default_factory=lambda: Topology.model_validate({}))
    steps: list[Step] = Field(min_length=1)
    expect: list[Expectation] = Field(default_factory=list)


def scenario_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mcp-harness scenario"
    return schema
