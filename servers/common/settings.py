"""Typed settings shared by every server: transport, backends, TLS.

One settings model per service (``WeatherSettings``, ``WalletSettings``, …) subclasses
:class:`ServerSettings`; each reads env vars ``MCPH_<SERVICE>_<FIELD>`` with nested fields
joined by ``__`` (``MCPH_WALLET_REDIS__URL``). Nothing reads the environment elsewhere.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Transport = Literal["stdio", "http"]


class MongoSettings(BaseModel):
    """Mongo: embedded mongomock-motor when ``url`` is empty, a real server otherwise."""

    url: str | None = None
    database: str = "mcp_harness"
    timeout_s: float = Field(default=5.0, gt=0)


class RedisSettings(BaseModel):
    """Redis: embedded fakeredis when ``url`` is empty, a real server otherwise."""

    url: str | None = None
    timeout_s: float = Field(default=2.0, gt=0)
    max_connections: int = Field(default=100, ge=1)


class HttpClientSettings(BaseModel):
    """Outbound HTTP: httpx timeouts per phase, a total deadline per call, and pool limits."""

    connect_timeout_s: float = Field(default=2.0, gt=0)
    read_timeout_s: float = Field(default=5.0, gt=0)
    total_timeout_s: float = Field(default=8.0, gt=0)
    max_connections: int = Field(default=50, ge=1)
    max_keepalive: int = Field(default=20, ge=0)


class TlsSettings(BaseModel):
    """Server-side TLS; with ``ca_file`` set, clients must present a certificate signed by it (mTLS)."""

    cert_file: str | None = None
    key_file: str | None = None
    ca_file: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.cert_file and self.key_file)


class ServerSettings(BaseSettings):
    """What every server shares: where it listens and how it protects its HTTP endpoint."""

    # Subclasses set their own prefix; this one keeps the base model off bare names like $PATH.
    model_config = SettingsConfigDict(env_prefix="MCPH_SERVER_", env_nested_delimiter="__", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)
    path: str = "/mcp"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "WARNING"
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1:*", "localhost:*", "[::1]:*"],
        description="Host headers accepted (DNS-rebinding protection); add service names for clusters.",
    )
    allowed_origins: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    )
    max_request_bytes: int = Field(default=1_000_000, ge=1024)
    tls: TlsSettings = Field(default_factory=TlsSettings)
    mongo: MongoSettings = Field(default_factory=MongoSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    http: HttpClientSettings = Field(default_factory=HttpClientSettings)
