"""The wallet's operations: deposit, transfer, balance, history — ledger, cache and locks put together.

Design (why no money is lost or doubled, without multi-document transactions):

1. **One document per operation is the unit of truth.** A transfer's debit and credit legs live in one
   ledger document, inserted atomically; its ``idempotency_key`` is unique. Balances are sums of legs.
2. **Idempotency.** A request whose key is already in the ledger writes nothing and returns the stored
   first result (``replayed: true``), or fails with "idempotency key reused with a different request"
   when the parameters differ. The key is checked before locking (cheap replays), again under the locks
   (a concurrent twin has just committed), and the unique index settles any race that remains.
   A *refused* request (overdraft, unknown account…) records nothing, so its key stays free.
3. **Race-free overdraft check.** The per-account locks of every account touched (source and
   destination) are held across read-balance → check → insert → cache update; see
   :mod:`servers.wallet.locks` for their order and expiry. The write runs under
   ``operation_timeout_s``, shorter than the lock TTL, so a lock never expires under a live writer.
4. **Cache after write.** Under the locks: delete cached balances, insert, set the new balances. A crash
   between steps leaves no cached value (recomputed from the ledger on the next read), never a wrong
   one; Redis failing *after* the insert is logged, not reported, because the write did happen.
   A read that misses the cache refills it only under the account lock.

Accounts are created implicitly by their first deposit; ``get_balance``, ``transfer`` (both sides) and
``list_transactions`` refuse unknown accounts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio
from bson import ObjectId
from bson.errors import InvalidId

from servers.wallet.cache import BalanceCache
from servers.wallet.errors import (
    BalanceLimitExceeded,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidCursor,
    SelfTransfer,
    UnknownAccount,
    WalletBackendDown,
    WalletTimeout,
)
from servers.wallet.ledger import DuplicateEntry, Ledger, LedgerEntry, Leg
from servers.wallet.locks import AccountLocks
from servers.wallet.models import Balance, DepositResult, Transaction, TransactionPage, TransferResult
from servers.wallet.settings import WalletSettings

log = logging.getLogger(__name__)


class Wallet:
    """Deposits and transfers on a Mongo ledger, with Redis-cached balances and per-account locks."""

    def __init__(
        self, ledger: Ledger, cache: BalanceCache, locks: AccountLocks, settings: WalletSettings
    ) -> None:
        self.ledger = ledger
        self.cache = cache
        self.locks = locks
        self.settings = settings

    @contextmanager
    def deadline(self) -> Iterator[None]:
        try:
            with anyio.fail_after(self.settings.operation_timeout_s):
                yield
        except TimeoutError as exc:
            raise WalletTimeout(self.settings.operation_timeout_s) from exc

    # -- reads -------------------------------------------------------------------------------------

    async def get_balance(self, account: str) -> Balance:
        cached = await self.cache.get(account)
        if cached is not None:
            return Balance(account=account, balance=cached)
        async with self.locks.hold([account]):
            with self.deadline():
                balance = await self.balance_locked(account)
        if balance is None:
            raise UnknownAccount(account)
        return Balance(account=account, balance=balance)

    async def balance_locked(self, account: str) -> int | None:
        """The balance while the caller holds ``account``'s lock; fills the cache on a miss."""
        cached = await self.cache.get(account)
        if cached is not None:
            return cached
        balance = await self.ledger.balance(account)
        if balance is not None:
            await self.cache.remember({account: balance})
        return balance

    async def list_transactions(self, account: str, limit: int, cursor: str | None) -> TransactionPage:
        before = parse_cursor(cursor)
        with self.deadline():
            if not await self.ledger.has_account(account):
                raise UnknownAccount(account)
            entries = await self.ledger.page(account, limit + 1, before)
        page = entries[:limit]
        next_cursor = page[-1].transaction_id if len(entries) > limit else None
        return TransactionPage(
            account=account,
            transactions=[transaction_view(entry, account) for entry in page],
            next_cursor=next_cursor,
        )

    # -- writes ------------------------------------------------------------------------------------

    async def deposit(self, account: str, amount: int, idempotency_key: str) -> DepositResult:
        request = {"kind": "deposit", "account": account, "amount": amount}
        first = await self.ledger.find_by_key(idempotency_key)
        if first is not None:
            return DepositResult.model_validate(replay(first, request, idempotency_key))
        async with self.locks.hold([account]):
            with self.deadline():
                first = await self.ledger.find_by_key(idempotency_key)
                if first is not None:
                    return DepositResult.model_validate(replay(first, request, idempotency_key))
                balance = await self.balance_locked(account) or 0
                if balance + amount > self.settings.max_balance:
                    raise BalanceLimitExceeded(account, self.settings.max_balance)
                entry_id = ObjectId()
                result = DepositResult(
                    transaction_id=str(entry_id),
                    idempotency_key=idempotency_key,
                    account=account,
                    amount=amount,
                    balance=balance + amount,
                    replayed=False,
                )
                entry = LedgerEntry(
                    idempotency_key=idempotency_key,
                    kind="deposit",
                    amount=amount,
                    legs=(Leg(account, amount),),
                    request=request,
                    result=result.model_dump(),
                    entry_id=entry_id,
                )
                return DepositResult.model_validate(await self.commit(entry, {account: balance + amount}))

    async def transfer(
        self, from_account: str, to_account: str, amount: int, idempotency_key: str
    ) -> TransferResult:
        request = {
            "kind": "transfer",
            "from_account": from_account,
            "to_account": to_account,
            "amount": amount,
        }
        first = await self.ledger.find_by_key(idempotency_key)
        if first is not None:
            return TransferResult.model_validate(replay(first, request, idempotency_key))
        if from_account == to_account:
            raise SelfTransfer(from_account)
        async with self.locks.hold([from_account, to_account]):
            with self.deadline():
                first = await self.ledger.find_by_key(idempotency_key)
                if first is not None:
                    return TransferResult.model_validate(replay(first, request, idempotency_key))
                from_balance = await self.balance_locked(from_account)
                if from_balance is None:
                    raise UnknownAccount(from_account)
                to_balance = await self.balance_locked(to_account)
                if to_balance is None:
                    raise UnknownAccount(to_account)
                if from_balance < amount:
                    raise InsufficientFunds(from_account, from_balance, amount)
                if to_balance + amount > self.settings.max_balance:
                    raise BalanceLimitExceeded(to_account, self.settings.max_balance)
                entry_id = ObjectId()
                result = TransferResult(
                    transaction_id=str(entry_id),
                    idempotency_key=idempotency_key,
                    from_account=from_account,
                    to_account=to_account,
                    amount=amount,
                    from_balance=from_balance - amount,
                    to_balance=to_balance + amount,
                    replayed=False,
                )
                entry = LedgerEntry(
                    idempotency_key=idempotency_key,
                    kind="transfer",
                    amount=amount,
                    legs=(Leg(from_account, -amount), Leg(to_account, amount)),
                    request=request,
                    result=result.model_dump(),
                    entry_id=entry_id,
                )
                new_balances = {from_account: result.from_balance, to_account: result.to_balance}
                return TransferResult.model_validate(await self.commit(entry, new_balances))

    async def commit(self, entry: LedgerEntry, new_balances: dict[str, int]) -> dict[str, Any]:
        """Forget cached balances, append the entry, cache the new balances; returns the result to send."""
        await self.cache.forget(*new_balances)
        try:
            await self.ledger.append(entry)
        except DuplicateEntry as duplicate:
            return replay(duplicate.existing, entry.request, entry.idempotency_key)
        try:
            await self.cache.remember(new_balances)
        except WalletBackendDown as exc:  # the write happened; the next read recomputes the balance
            log.warning("balance cache not updated after %s: %s", entry.transaction_id, exc)
        return entry.result


def replay(first: LedgerEntry, request: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    """The first result for this key, or IdempotencyConflict when the request differs."""
    if first.request != request:
        raise IdempotencyConflict(idempotency_key)
    return {**first.result, "replayed": True}


def parse_cursor(cursor: str | None) -> ObjectId | None:
    if cursor is None:
        return None
    try:
        return ObjectId(cursor)
    except (InvalidId, TypeError) as exc:
        raise InvalidCursor() from exc


def transaction_view(entry: LedgerEntry, account: str) -> Transaction:
    delta = sum(leg.delta for leg in entry.legs if leg.account == account)
    others = [leg.account for leg in entry.legs if leg.account != account]
    return Transaction(
        transaction_id=entry.transaction_id,
        idempotency_key=entry.idempotency_key,
        kind=entry.kind,
        amount=entry.amount,
        delta=delta,
        counterparty=others[0] if others else None,
        created_at=entry.created_at,
    )
