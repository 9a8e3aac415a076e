"""WalletSettings: read from MCPH_WALLET_* (nested with __), and lock timing that cannot lose a lock."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from servers.wallet.settings import WalletSettings


def test_settings_come_from_wallet_prefixed_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCPH_WALLET_REDIS__URL", "redis://127.0.0.1:6390/0")
    monkeypatch.setenv("MCPH_WALLET_MAX_BALANCE", "5000")
    monkeypatch.setenv("MCPH_WEATHER_MAX_BALANCE", "1")  # another service's prefix is ignored
    settings = WalletSettings()
    assert settings.redis.url == "redis://127.0.0.1:6390/0"
    assert settings.max_balance == 5000
    assert settings.mongo.url is None


def test_operation_must_finish_before_its_lock_expires() -> None:
    with pytest.raises(ValidationError, match="operation_timeout_s must be < lock_ttl_s"):
        WalletSettings(lock_ttl_s=5.0, operation_timeout_s=5.0)
