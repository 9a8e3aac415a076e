"""The wallet's data at its boundaries: tool inputs (constrained types) and tool results (pydantic).

Amounts are integers in minor units (cents), never floats: ``StrictInt`` refuses ``5.0``, ``"5"`` and
``true`` before any tool code runs, and the JSON schema clients see says the same.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

ACCOUNT_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"

AccountName = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=ACCOUNT_PATTERN, description="1-64 chars of [A-Za-z0-9_.-]"),
]
IdempotencyKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="client-chosen, 1-128 chars of [A-Za-z0-9_.:-]; a retry with the same key is a no-op",
    ),
]
Cursor = Annotated[str, Field(min_length=1, max_length=64, description="next_cursor of the previous page")]

EntryKind = Literal["deposit", "transfer"]


MAX_AMOUNT = 10**15
MAX_PAGE_SIZE = 100

Amount = Annotated[
    int, Field(strict=True, gt=0, le=MAX_AMOUNT, description=f"minor units (e.g. cents), 1..{MAX_AMOUNT}")
]
PageSize = Annotated[int, Field(strict=True, ge=1, le=MAX_PAGE_SIZE, description=f"1..{MAX_PAGE_SIZE}")]


class Balance(BaseModel):
    account: str
    balance: int = Field(description="minor units")


class DepositResult(BaseModel):
    transaction_id: str
    idempotency_key: str
    account: str
    amount: int
    balance: int = Field(description="the account's balance right after this deposit")
    replayed: bool = Field(description="true when this key was seen before: nothing new was written")


class TransferResult(BaseModel):
    transaction_id: str
    idempotency_key: str
    from_account: str
    to_account: str
    amount: int
    from_balance: int = Field(description="source balance right after this transfer")
    to_balance: int = Field(description="destination balance right after this transfer")
    replayed: bool = Field(description="true when this key was seen before: nothing new was written")


class Transaction(BaseModel):
    """One ledger entry seen from one account: ``delta`` is what it did to that account."""

    transaction_id: str
    idempotency_key: str
    kind: EntryKind
    amount: int
    delta: int
    counterparty: str | None
    created_at: str


class TransactionPage(BaseModel):
    account: str
    transactions: list[Transaction] = Field(description="newest first")
    next_cursor: str | None = Field(description="pass it back for the next page; null on the last page")


class AuditReport(BaseModel):
    """What :func:`servers.wallet.invariants.check_invariants` found; ``ok`` iff no violation."""

    ok: bool
    entries: int
    deposits: int
    transfers: int
    accounts: int
    total_deposited: int
    total_balances: int
    cached_balances_checked: int
    violations: list[str]
