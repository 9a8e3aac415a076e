"""What can go wrong in a wallet operation; the server maps each to one clear ``isError`` result.

    WalletError
    ├── UnknownAccount        the account has no ledger entry (accounts start with a deposit)
    ├── InsufficientFunds     a transfer would overdraw the source account
    ├── BalanceLimitExceeded  a credit would push a balance past ``max_balance``
    ├── SelfTransfer          from_account == to_account
    ├── IdempotencyConflict   the key was already used for a different request
    ├── InvalidCursor         list_transactions got a cursor it did not issue
    ├── WalletBusy            an account lock was not obtained in time (retry)
    ├── WalletTimeout         a write passed its deadline (retry with the same key: never applied twice)
    └── WalletBackendDown     Redis or Mongo unreachable / timed out (nothing was written)

Each leaves the ledger unchanged, except ``WalletTimeout``: the write may have landed, which is why it
asks for a retry with the same idempotency key (the retry returns the first result or applies it once).
"""

from __future__ import annotations


class WalletError(Exception):
    """A wallet request was refused; the message is meant for the caller."""


class UnknownAccount(WalletError):
    def __init__(self, account: str) -> None:
        super().__init__(f"unknown account {account!r} (accounts are created by their first deposit)")
        self.account = account


class InsufficientFunds(WalletError):
    def __init__(self, account: str, balance: int, amount: int) -> None:
        super().__init__(f"insufficient funds: {account!r} has {balance}, transfer needs {amount}")
        self.account = account


class BalanceLimitExceeded(WalletError):
    def __init__(self, account: str, limit: int) -> None:
        super().__init__(f"balance limit exceeded: {account!r} may hold at most {limit}")


class SelfTransfer(WalletError):
    def __init__(self, account: str) -> None:
        super().__init__(f"cannot transfer from {account!r} to itself")


class IdempotencyConflict(WalletError):
    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {key!r} reused with a different request")


class InvalidCursor(WalletError):
    def __init__(self) -> None:
        super().__init__("invalid cursor: pass the next_cursor of a previous list_transactions page")


class WalletBusy(WalletError):
    def __init__(self, account: str, waited_s: float) -> None:
        super().__init__(f"wallet busy, retry: account {account!r} stayed locked for {waited_s:g} s")


class WalletBackendDown(WalletError):
    def __init__(self, backend: str, detail: str) -> None:
        super().__init__(f"{backend} unavailable, nothing was written: {detail}")
        self.backend = backend


class WalletTimeout(WalletError):
    def __init__(self, timeout_s: float) -> None:
        super().__init__(
            f"wallet operation timed out after {timeout_s:g} s; retry with the same idempotency key "
            "(a retry is never applied twice)"
        )
