"""The money check fails a run whose ledger misses an accepted transfer, holds a foreign one, or fails its audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from load.settings import WorkloadSettings
from load.transfer_keys import TransferBook
from load.wallet_audit import check_wallet

pytestmark = pytest.mark.anyio
SETTINGS = WorkloadSettings(run_id="r1", accounts=2)


def fake_wallet(ledger_keys: list[str], audit_ok: bool = True) -> Any:
    async def call(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        if tool == "wallet__audit":
            return {
                "ok": audit_ok,
                "violations": [] if audit_ok else ["sum of balances 9 != sum of deposits 10"],
            }
        assert tool == "wallet__list_transactions" and arguments["limit"] == 100
        if arguments["account"] != SETTINGS.account(0) or arguments.get("cursor") == "end":
            return {"transactions": [], "next_cursor": None}
        page = [{"kind": "transfer", "idempotency_key": key} for key in ledger_keys]
        page.append({"kind": "deposit", "idempotency_key": "r1-open-x"})
        return {"transactions": page, "next_cursor": "end"}

    return call


def record(tmp_path: Path, accepted: int, attempted: int) -> list[str]:
    book = TransferBook("r1")
    keys = [book.new_key() for _ in range(attempted)]
    book.accepted.update(keys[:accepted])
    book.write(str(tmp_path))
    return keys


async def test_every_accepted_key_in_the_ledger_passes(tmp_path: Path) -> None:
    keys = record(tmp_path, accepted=3, attempted=4)
    check = await check_wallet(fake_wallet(keys), tmp_path, SETTINGS)  # the unanswered 4th landed too
    assert check.ok and (check.accepted, check.attempted, check.in_ledger) == (3, 4, 4)


async def test_a_lost_transfer_fails(tmp_path: Path) -> None:
    keys = record(tmp_path, accepted=3, attempted=3)
    check = await check_wallet(fake_wallet(keys[:2]), tmp_path, SETTINGS)
    assert not check.ok and check.problems == [
        f"1 accepted transfer(s) missing from the ledger, e.g. {keys[2]}"
    ]


async def test_an_unknown_key_and_a_broken_audit_fail(tmp_path: Path) -> None:
    keys = record(tmp_path, accepted=1, attempted=1)
    check = await check_wallet(fake_wallet([*keys, "r1:other:9"], audit_ok=False), tmp_path, SETTINGS)
    assert check.problems == [
        "audit: sum of balances 9 != sum of deposits 10",
        "1 ledger transfer(s) with keys the load never sent, e.g. r1:other:9",
    ]
