"""After a load run: did the wallet lose or duplicate money?

Two checks, through the endpoint the load went through:

* the wallet's own ``audit`` tool — the sum of balances equals the sum of deposits, no idempotency key
  recorded twice, well-formed entries, no overdraft, cache agrees with the ledger;
* this run's keys — every transfer key the load saw accepted is in the ledger (once: the audit proves
  no key is recorded twice), and the ledger holds no key of this run that the load never sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from load.settings import WorkloadSettings
from load.transfer_keys import read_keys

AUDIT_TOOL = "wallet__audit"
LIST_TOOL = "wallet__list_transactions"
PAGE_SIZE = 100
MAX_PAGES_PER_ACCOUNT = 10_000  # bounds the walk even if a cursor never ends

#: ``call(tool, arguments)`` → the tool's structured result; raises on an error result
ToolCaller = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass
class WalletCheck:
    attempted: int = 0
    accepted: int = 0
    in_ledger: int = 0
    audit: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def ledger_keys(call: ToolCaller, accounts: list[str], run_prefix: str) -> set[str]:
    """Transfer keys of this run found in the accounts' ledger pages."""
    keys: set[str] = set()
    for account in accounts:
        cursor: str | None = None
        for _ in range(MAX_PAGES_PER_ACCOUNT):
            arguments: dict[str, Any] = {"account": account, "limit": PAGE_SIZE}
            if cursor:
                arguments["cursor"] = cursor
            page = await call(LIST_TOOL, arguments)
            for entry in page.get("transactions") or []:
                key = str(entry.get("idempotency_key"))
                if entry.get("kind") == "transfer" and key.startswith(run_prefix):
                    keys.add(key)
            cursor = page.get("next_cursor")
            if not cursor:
                break
    return keys


async def check_wallet(call: ToolCaller, record_dir: Path, settings: WorkloadSettings) -> WalletCheck:
    attempted, accepted = read_keys(record_dir)
    check = WalletCheck(attempted=len(attempted), accepted=len(accepted))
    check.audit = await call(AUDIT_TOOL, {})
    if not check.audit.get("ok"):
        check.problems += [f"audit: {v}" for v in check.audit.get("violations") or ["not ok"]]
    accounts = [settings.account(i) for i in range(settings.accounts)]
    found = await ledger_keys(call, accounts, f"{settings.run_id}:")
    check.in_ledger = len(found)
    missing = sorted(accepted - found)
    unknown = sorted(found - attempted)
    if missing:
        check.problems.append(
            f"{len(missing)} accepted transfer(s) missing from the ledger, e.g. {missing[0]}"
        )
    if unknown:
        check.problems.append(
            f"{len(unknown)} ledger transfer(s) with keys the load never sent, e.g. {unknown[0]}"
        )
    return check
