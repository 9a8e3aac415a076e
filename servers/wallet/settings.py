"""Typed settings of the wallet server (env ``MCPH_WALLET_*``, nested with ``__``).

Beyond the shared :class:`~servers.common.settings.ServerSettings` (Mongo ledger, Redis cache), the
wallet owns its limits and its lock timing. The lock TTL must outlive the longest operation so a lock
never expires under a live writer; the validator enforces ``operation_timeout_s < lock_ttl_s``.
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from servers.common.settings import ServerSettings


class WalletSettings(ServerSettings):
    """Wallet limits, ledger collection, Redis key namespace and lock timing."""

    model_config = SettingsConfigDict(env_prefix="MCPH_WALLET_", env_nested_delimiter="__", extra="ignore")

    ledger_collection: str = Field(default="wallet_ledger", min_length=1)
    redis_prefix: str = Field(default="wallet:", description="Redis key namespace (then the ledger id)")
    max_balance: int = Field(default=10**18, ge=1, description="largest balance an account may reach")
    redis_max_concurrency: int = Field(
        default=64, ge=1, description="Redis commands in flight at once (keep below the pool's 100)"
    )
    cache_ttl_s: int = Field(default=3600, ge=1, description="how long an idle cached balance lives")
    lock_ttl_s: float = Field(default=10.0, gt=0, description="a crashed holder's lock expires after this")
    lock_wait_s: float = Field(default=5.0, gt=0, description="wait this long for a busy account, then fail")
    lock_poll_s: float = Field(
        default=0.005, gt=0, description="retry interval while another process holds a lock"
    )
    operation_timeout_s: float = Field(default=8.0, gt=0, description="deadline of one write, locks held")

    @model_validator(mode="after")
    def operation_fits_in_lock(self) -> WalletSettings:
        if self.operation_timeout_s >= self.lock_ttl_s:
            raise ValueError("operation_timeout_s must be < lock_ttl_s (a lock must outlive its writer)")
        return self
