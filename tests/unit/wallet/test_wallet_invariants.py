"""check_invariants finds every kind of damage a ledger or cache could suffer, and passes a sound one."""

from __future__ import annotations

from typing import Any

import fakeredis
import pytest
from bson import ObjectId
from mongomock_motor import AsyncMongoMockClient

from harness.fixtures.wallet import make_wallet_settings
from servers.wallet.invariants import check_invariants, entry_problems
from servers.wallet.operations import Wallet
from servers.wallet.server import assemble_wallet

pytestmark = pytest.mark.anyio


async def sound_wallet() -> Wallet:
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    wallet = await assemble_wallet(AsyncMongoMockClient()["wallet"], redis, make_wallet_settings())
    await wallet.deposit("alice", 100, "d-1")
    await wallet.deposit("bob", 20, "d-2")
    await wallet.transfer("alice", "bob", 30, "t-1")
    return wallet


def transfer_doc(legs: list[dict[str, Any]], amount: int = 10, key: str = "x-1") -> dict[str, Any]:
    return {
        "_id": ObjectId(),
        "idempotency_key": key,
        "kind": "transfer",
        "amount": amount,
        "legs": legs,
        "request": {"kind": "transfer", "from_account": "alice", "to_account": "bob", "amount": amount},
        "result": {},
    }


async def test_a_sound_ledger_passes() -> None:
    wallet = await sound_wallet()
    report = await check_invariants(wallet.ledger, wallet.cache)
    assert report.ok and report.violations == []
    assert (report.entries, report.deposits, report.transfers, report.accounts) == (3, 2, 1, 2)
    assert report.total_deposited == report.total_balances == 120
    assert report.cached_balances_checked == 2


CORRUPTIONS = [
    ("one leg only", [{"account": "alice", "delta": -10}], "sum of balances 110 != sum of deposits 120"),
    ("credit too big", [{"account": "alice", "delta": -10}, {"account": "bob", "delta": 11}], "should be"),
    ("legs swapped", [{"account": "bob", "delta": 10}, {"account": "alice", "delta": -10}], "should be"),
    ("malformed", [{"account": "alice"}], "legs are malformed"),
]


@pytest.mark.parametrize(("legs", "expected"), [c[1:] for c in CORRUPTIONS], ids=[c[0] for c in CORRUPTIONS])
async def test_a_damaged_transfer_is_reported(legs: list[dict[str, Any]], expected: str) -> None:
    wallet = await sound_wallet()
    await wallet.ledger.collection.insert_one(transfer_doc(legs))
    report = await check_invariants(wallet.ledger, None)
    assert not report.ok
    assert any(expected in violation for violation in report.violations), report.violations


async def test_duplicate_keys_and_overdrafts_are_reported() -> None:
    wallet = await sound_wallet()
    await wallet.ledger.collection.drop_indexes()  # as if the unique index had never been created
    legs = [{"account": "alice", "delta": -500}, {"account": "bob", "delta": 500}]
    await wallet.ledger.collection.insert_one(transfer_doc(legs, amount=500, key="t-1"))
    report = await check_invariants(wallet.ledger, None)
    assert "idempotency key 't-1' recorded 2 times" in report.violations
    assert "account 'alice' is overdrawn: -430" in report.violations


async def test_a_stale_or_orphan_cached_balance_is_reported() -> None:
    wallet = await sound_wallet()
    await wallet.cache.remember({"alice": 71, "ghost": 5})
    report = await check_invariants(wallet.ledger, wallet.cache)
    assert "cache holds 71 for 'alice', the ledger says 70" in report.violations
    assert "cache holds 5 for 'ghost', which the ledger does not know" in report.violations


def test_entry_problems_names_what_is_wrong() -> None:
    assert entry_problems({"kind": "deposit", "amount": 1.5, "legs": []}) == [
        "entry None (key None): amount 1.5 is not a positive integer"
    ]
    assert "unknown kind 'refund'" in entry_problems({"kind": "refund", "amount": 1, "legs": []})[0]
    self_transfer = {
        "kind": "transfer",
        "amount": 1,
        "legs": [],
        "request": {"from_account": "a", "to_account": "a"},
    }
    assert "to itself" in entry_problems(self_transfer)[0]
