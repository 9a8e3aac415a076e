"""The Mongo ledger: append-only entries, one document per deposit or transfer, unique idempotency key.

Why one document per operation: Mongo (and mongomock, our embedded default) cannot be relied on for
multi-document transactions, but a single ``insert_one`` is atomic. So a transfer is ONE document that
carries both legs (``[{account: from, delta: -amount}, {account: to, delta: +amount}]``); a crash can
leave the transfer either fully recorded or not recorded at all, never half. The unique index on
``idempotency_key`` makes a duplicate insert fail as a whole, so a retried request can never be applied
twice — the loser reads back and returns the first entry.

Balances are not stored: an account's balance is the sum of its legs (an aggregate), and an account
exists iff it has at least one leg. Redis only caches that sum (see :mod:`servers.wallet.cache`).
Entries are never updated or deleted. The ``_id`` (an ObjectId made here) orders entries for paging.

Each ledger has an identity (a random id stored once, in ``<collection>_meta``); Redis keys are
namespaced by it, so a fresh embedded ledger never meets the cached balances of an earlier one that
shared the same real Redis, while replicas on one real Mongo share one namespace.

Every PyMongo failure leaves this module as :class:`~servers.wallet.errors.WalletBackendDown`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import uuid4

from bson import ObjectId
from pymongo.errors import DuplicateKeyError, PyMongoError

from servers.wallet.errors import WalletBackendDown
from servers.wallet.models import EntryKind

T = TypeVar("T")


@dataclass(frozen=True)
class Leg:
    account: str
    delta: int


@dataclass(frozen=True)
class LedgerEntry:
    """One append-only ledger document; ``request`` is what the client asked, ``result`` what it got."""

    idempotency_key: str
    kind: EntryKind
    amount: int
    legs: tuple[Leg, ...]
    request: dict[str, Any]
    result: dict[str, Any]
    entry_id: ObjectId = field(default_factory=ObjectId)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def transaction_id(self) -> str:
        return str(self.entry_id)

    def to_document(self) -> dict[str, Any]:
        return {
            "_id": self.entry_id,
            "idempotency_key": self.idempotency_key,
            "kind": self.kind,
            "amount": self.amount,
            "legs": [{"account": leg.account, "delta": leg.delta} for leg in self.legs],
            "request": self.request,
            "result": self.result,
            "created_at": self.created_at,
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> LedgerEntry:
        return cls(
            idempotency_key=doc["idempotency_key"],
            kind=doc["kind"],
            amount=doc["amount"],
            legs=tuple(Leg(leg["account"], leg["delta"]) for leg in doc.get("legs", [])),
            request=dict(doc.get("request", {})),
            result=dict(doc.get("result", {})),
            entry_id=doc["_id"],
            created_at=doc.get("created_at", ""),
        )


class DuplicateEntry(Exception):
    """The idempotency key is already in the ledger; ``existing`` is the first entry."""

    def __init__(self, existing: LedgerEntry) -> None:
        super().__init__(f"idempotency key {existing.idempotency_key!r} already recorded")
        self.existing = existing


async def mongo_call(awaitable: Awaitable[T]) -> T:
    """Await a Mongo call; driver failures become WalletBackendDown (callers handle duplicates)."""
    try:
        return await awaitable
    except DuplicateKeyError:
        raise
    except PyMongoError as exc:
        raise WalletBackendDown("mongo", f"{type(exc).__name__}: {exc}") from exc


class Ledger:
    """Append and query ledger entries in one Mongo collection (motor or mongomock-motor)."""

    def __init__(self, collection: Any, meta_collection: Any) -> None:
        self.collection = collection
        self.meta_collection = meta_collection

    async def identity(self) -> str:
        """This ledger's id, created on first use (concurrent first uses agree: upsert + read back)."""
        await mongo_call(
            self.meta_collection.update_one(
                {"_id": "ledger"}, {"$setOnInsert": {"ledger_id": uuid4().hex}}, upsert=True
            )
        )
        doc = await mongo_call(self.meta_collection.find_one({"_id": "ledger"}))
        return str(doc["ledger_id"])

    async def ensure_indexes(self) -> None:
        await mongo_call(self.collection.create_index("idempotency_key", unique=True))
        await mongo_call(self.collection.create_index("legs.account"))

    async def find_by_key(self, idempotency_key: str) -> LedgerEntry | None:
        doc = await mongo_call(self.collection.find_one({"idempotency_key": idempotency_key}))
        return None if doc is None else LedgerEntry.from_document(doc)

    async def append(self, entry: LedgerEntry) -> None:
        """Insert ``entry`` atomically, or raise :class:`DuplicateEntry` with the first one."""
        try:
            await mongo_call(self.collection.insert_one(entry.to_document()))
        except DuplicateKeyError as exc:
            existing = await self.find_by_key(entry.idempotency_key)
            if existing is None:  # a unique index on another field fired: not ours to hide
                raise WalletBackendDown("mongo", f"unexpected duplicate: {exc}") from exc
            raise DuplicateEntry(existing) from exc

    async def balance(self, account: str) -> int | None:
        """Sum of the account's legs, or None when the account has no entry (unknown)."""
        pipeline = [
            {"$match": {"legs.account": account}},
            {"$unwind": "$legs"},
            {"$match": {"legs.account": account}},
            {"$group": {"_id": None, "total": {"$sum": "$legs.delta"}, "legs": {"$sum": 1}}},
        ]
        rows = await mongo_call(self.collection.aggregate(pipeline).to_list(None))
        if not rows or not rows[0]["legs"]:
            return None
        return int(rows[0]["total"])

    async def has_account(self, account: str) -> bool:
        doc = await mongo_call(self.collection.find_one({"legs.account": account}, {"_id": 1}))
        return doc is not None

    async def page(self, account: str, limit: int, before: ObjectId | None) -> list[LedgerEntry]:
        """Up to ``limit`` entries touching ``account``, newest first, strictly older than ``before``."""
        query: dict[str, Any] = {"legs.account": account}
        if before is not None:
            query["_id"] = {"$lt": before}
        cursor = self.collection.find(query).sort("_id", -1).limit(limit)
        docs = await mongo_call(cursor.to_list(None))
        return [LedgerEntry.from_document(doc) for doc in docs]

    async def documents(self) -> AsyncIterator[dict[str, Any]]:
        """Every raw document, oldest first: audits must see malformed ones too, not crash on them."""
        try:
            async for doc in self.collection.find({}).sort("_id", 1):
                yield doc
        except PyMongoError as exc:
            raise WalletBackendDown("mongo", f"{type(exc).__name__}: {exc}") from exc

    async def count(self) -> int:
        return int(await mongo_call(self.collection.count_documents({})))
