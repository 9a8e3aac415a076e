"""Typed settings of the load users (env ``MCPH_LOAD_*``): how to connect, and what the workload does.

Locust's own options (``--host``, ``--users``…) stay Locust's; what Locust has no option for comes from
the environment, so ``locust -f load/locustfile.py`` and ``mcp-harness load`` read the same values, and
credentials never appear on a command line.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from load.wire import ProtocolVersion

ENV_PREFIX = "MCPH_LOAD_"


class McpConnectionSettings(BaseSettings):
    """How an :class:`~load.mcp_user.McpUser` reaches the endpoint."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore")

    protocol_version: ProtocolVersion = "2026-07-28"
    path: str = Field(default="/mcp", description="appended to --host when the host names no path")
    api_key: SecretStr | None = Field(default=None, description="sent as X-API-Key")
    bearer_token: SecretStr | None = Field(default=None, description="sent as Authorization: Bearer")
    ca_file: str | None = Field(default=None, description="trust this CA (then TLS is verified)")
    cert_file: str | None = Field(default=None, description="client certificate for mTLS")
    key_file: str | None = None
    tool_errors_fail: bool = Field(default=True, description="count isError results as failures")


class WorkloadSettings(BaseSettings):
    """The reference workload's mix (relative task weights) and data."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore")

    weather_hit_weight: int = Field(default=4, ge=0, description="current weather of a known city (cached)")
    weather_miss_weight: int = Field(default=1, ge=0, description="current weather at fresh coordinates")
    balance_weight: int = Field(default=4, ge=0)
    transfer_weight: int = Field(default=2, ge=0)
    search_weight: int = Field(default=2, ge=0)
    cities: list[str] = Field(
        default=["Berlin", "Paris", "London", "Madrid", "Rome", "Vienna", "Amsterdam", "Tokyo"]
    )
    queries: list[str] = Field(
        default=[
            "how do I rotate an API key",
            "what is the rate limit of the gateway",
            "how are transfers made idempotent",
            "restart a failed service",
            "where are the logs",
        ]
    )
    accounts: int = Field(default=20, ge=2, description="wallet accounts the transfers move money between")
    opening_balance: int = Field(default=10**9, ge=1, description="deposited once into each account")
    max_transfer: int = Field(default=100, ge=1)
    retry_share: float = Field(default=0.2, ge=0, le=1, description="transfers sent twice with one key")
    run_id: str = Field(
        default="load", pattern=r"^[A-Za-z0-9_.-]{1,24}$", description="prefixes account names and keys"
    )
    record_dir: str | None = Field(
        default=None, description="write per-request samples and wallet keys here (mcp-harness load sets it)"
    )
    wait_min_s: float = Field(default=0.0, ge=0)
    wait_max_s: float = Field(default=0.05, ge=0)
    seed: int = 7

    @model_validator(mode="after")
    def some_task_has_weight(self) -> WorkloadSettings:
        weights = (
            self.weather_hit_weight,
            self.weather_miss_weight,
            self.balance_weight,
            self.transfer_weight,
            self.search_weight,
        )
        if not any(weights):
            raise ValueError("every task weight is 0: nothing to run")
        if self.wait_max_s < self.wait_min_s:
            raise ValueError("wait_max_s must be >= wait_min_s")
        return self

    def account(self, index: int) -> str:
        return f"{self.run_id}-acct-{index:03d}"
