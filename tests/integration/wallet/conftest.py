"""Wallet fixtures, imported explicitly until the pytest plugin re-exports them."""

from __future__ import annotations

from harness.fixtures.wallet import wallet_settings

__all__ = ["wallet_settings"]
