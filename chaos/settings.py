"""Settings of the fault proxy: where its API listens, the RNG seed, and an optional real Toxiproxy.

``MCPH_TOXIPROXY_URL`` selects a real Toxiproxy instead of the embedded proxy (read here, and only here).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ChaosSettings(BaseSettings):
    """The embedded proxy's knobs; ``toxiproxy_url`` points the harness at a real Toxiproxy instead."""

    model_config = SettingsConfigDict(env_prefix="MCPH_", env_nested_delimiter="__", extra="ignore")

    toxiproxy_url: str | None = Field(default=None, description="A real Toxiproxy API, e.g. http://h:8474")
    proxy_api_host: str = "127.0.0.1"
    proxy_api_port: int = Field(default=8474, ge=0, le=65535)
    proxy_seed: int | None = Field(default=None, description="Seed of toxicity rolls and jitter")
    upstream_connect_timeout_s: float = Field(default=5.0, gt=0)
    read_size: int = Field(default=64 * 1024, ge=1024, description="Chunk size read for toxics")
    fast_read_size: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Read size of a link without toxics once a read fills read_size (bulk data)",
    )
    api_timeout_s: float = Field(default=10.0, gt=0)
