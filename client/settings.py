"""Typed settings of the client (orchestrator) and the gateway; nothing else reads the environment.

``ClientSettings`` reads ``MCPH_CLIENT_*`` and ``GatewaySettings`` reads ``MCPH_GATEWAY_*``; nested
fields join with ``__`` and lists are JSON (``MCPH_CLIENT_UPSTREAMS='[{"name": "weather", "url": …}]'``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from client.agent_settings import AgentSettings


class UpstreamTls(BaseModel):
    """TLS toward one upstream: trust ``ca_file``; present ``cert_file``/``key_file`` (mTLS)."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


class BreakerSettings(BaseModel):
    """Open when the failure rate over ``window_s`` reaches ``failure_rate`` with ``min_calls`` seen."""

    failure_rate: float = Field(default=0.5, gt=0, le=1)
    window_s: float = Field(default=30.0, gt=0)
    min_calls: int = Field(default=5, ge=1)
    open_s: float = Field(default=10.0, gt=0)


class RetrySettings(BaseModel):
    """Retries, for read-only/idempotent tools only: attempts (first included), backoff with jitter."""

    attempts: int = Field(default=3, ge=1)
    initial_backoff_s: float = Field(default=0.05, ge=0)
    max_backoff_s: float = Field(default=1.0, ge=0)
    jitter_s: float = Field(default=0.05, ge=0)


class UpstreamSettings(BaseModel):
    """One MCP server the client talks to: where, how, and how patiently."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    url: str | None = None
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] | None = None
    mode: Literal["auto", "legacy"] = "auto"
    tls: UpstreamTls = Field(default_factory=UpstreamTls)
    required: bool = True
    connect_timeout_s: float = Field(default=5.0, gt=0)
    call_timeout_s: float | None = Field(default=None, gt=0, description="Default deadline for this server.")
    tool_timeouts_s: dict[str, float] = Field(default_factory=dict, description="Per-tool deadlines.")
    max_concurrency: int = Field(default=32, ge=1)
    max_queue_wait_s: float = Field(default=0.5, ge=0)
    health_interval_s: float = Field(default=5.0, gt=0)
    reconnect_initial_s: float = Field(default=0.1, gt=0)
    reconnect_max_s: float = Field(default=5.0, gt=0)
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)
    retry: RetrySettings = Field(default_factory=RetrySettings)

    @model_validator(mode="after")
    def _one_target(self) -> UpstreamSettings:
        if bool(self.url) == bool(self.command):
            raise ValueError(f"upstream {self.name!r}: set exactly one of url or command")
        return self


class ClientSettings(BaseSettings):
    """The orchestrator: its upstreams, naming policy and default deadline."""

    model_config = SettingsConfigDict(env_prefix="MCPH_CLIENT_", env_nested_delimiter="__", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)
    upstreams: list[UpstreamSettings] = Field(default_factory=list)
    separator: str = Field(default="__", min_length=1)
    collision_policy: Literal["prefix", "fail"] = Field(
        default="prefix",
        description="Same tool name on two servers: 'prefix' keeps both namespaced and reports it; "
        "'fail' refuses to start.",
    )
    default_timeout_s: float = Field(default=10.0, gt=0)
    max_request_bytes: int = Field(default=1_000_000, ge=1024)
    allowed_hosts: list[str] = Field(default_factory=lambda: ["127.0.0.1:*", "localhost:*", "[::1]:*"])
    allowed_origins: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    )
    search_limit: int = Field(default=5, ge=1)
    fast_path: bool = Field(
        default=True,
        description="Forward 2026-07-28 tools/call to HTTP upstreams as bytes (client.fast_forward); "
        "off: every call takes the SDK session.",
    )
    agent: AgentSettings = Field(
        default_factory=AgentSettings, description="POST /v1/agent (off without a model)"
    )

    def longest_deadline_s(self) -> float:
        """The longest a tool call may take here: the largest per-tool, per-server or default deadline.

        Whatever stands in front of the client (the gateway) should wait at least this long, or it gives
        up on calls the client would still complete.
        """
        deadlines = [u.call_timeout_s or self.default_timeout_s for u in self.upstreams]
        deadlines += [s for u in self.upstreams for s in u.tool_timeouts_s.values()]
        if self.agent.model_url:  # POST /v1/agent answers by the end of its turn
            deadlines.append(self.agent.turn_deadline_s)
        return max(deadlines, default=self.default_timeout_s)

    @model_validator(mode="after")
    def _unique_names(self) -> ClientSettings:
        names = [u.name for u in self.upstreams]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate upstream names: {', '.join(duplicates)}")
        return self


class ApiKeyEntry(BaseModel):
    """A stored API key: only its SHA-256 hex digest, never the key itself."""

    name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    allowed_tools: list[str] | None = Field(default=None, description="None: every tool.")
    rate_limit: str | None = Field(default=None, description="Overrides the default, e.g. '10/second'.")


class JwtSettings(BaseModel):
    """Bearer JWTs: HS256 with ``hs256_secret`` and/or RS256 with ``rs256_public_key`` (PEM)."""

    hs256_secret: str | None = None
    rs256_public_key: str | None = None
    audience: str = "mcp-harness"
    issuer: str = "mcp-harness"
    tools_claim: str = "tools"
    leeway_s: float = Field(default=0.0, ge=0)


class GatewaySettings(BaseSettings):
    """The public entry: authentication, limits and where the client is.

    ``GET /metrics`` (Prometheus text: the gateway's own series, then the client's, which is not public)
    needs the same credentials as any other request unless ``metrics_public`` is true; it is never rate
    limited, so a busy caller cannot blind monitoring. ``/healthz`` is always open.
    """

    model_config = SettingsConfigDict(env_prefix="MCPH_GATEWAY_", env_nested_delimiter="__", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)
    client_url: str = "http://127.0.0.1:8001"
    api_keys: list[ApiKeyEntry] = Field(default_factory=list)
    jwt: JwtSettings = Field(default_factory=JwtSettings)
    rate_limit: str = "600/minute"
    rate_limit_storage: str = Field(
        default="memory://", description="'memory://' or a Redis URL ('redis://host:port/0')."
    )
    max_request_bytes: int = Field(default=1_000_000, ge=1)
    allowed_origins: list[str] = Field(
        default_factory=list, description="Exact origins accepted besides loopback ones; others get 403."
    )
    upstream_timeout_s: float = Field(default=30.0, gt=0)
    connect_timeout_s: float = Field(default=2.0, gt=0)
    metrics_public: bool = Field(
        default=False, description="Serve /metrics without credentials (e.g. to an in-cluster scraper)."
    )
    client_tls: UpstreamTls = Field(
        default_factory=UpstreamTls, description="mTLS toward the client: trust ca_file, present cert/key."
    )
    pool_idle_expiry_s: float = Field(
        default=2.0,
        gt=0,
        description="Drop pooled connections idle this long: below the client's keep-alive (5 s).",
    )
    max_json_depth: int = Field(default=64, ge=2, description="Deeper JSON bodies get 400 (-32700 on /mcp).")
    max_header_bytes: int = Field(default=16_384, ge=1024, description="Larger request heads get 431 or 400.")
    header_timeout_s: float = Field(
        default=5.0, gt=0, description="Request headers must arrive in time (408)."
    )
    body_timeout_s: float = Field(
        default=10.0, gt=0, description="The whole request body must arrive in time (408)."
    )
    max_connections: int = Field(
        default=1000, ge=1, description="Open connections; more get 503 + Retry-After."
    )
    max_in_flight: int = Field(
        default=256, ge=1, description="Requests handled at once; more get 503 + Retry-After."
    )
    overload_retry_after_s: int = Field(
        default=1, ge=0, description="Retry-After on the 503s of the two caps."
    )
