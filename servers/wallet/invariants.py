"""The wallet's invariants, checked on the raw ledger and the cache after every chaos and load run.

``check_invariants`` reads every ledger document once and reports, without raising:

* **conservation** — the sum of all balances equals the sum of all deposits (transfers only move money);
* **no duplicates** — every idempotency key appears in exactly one entry;
* **well-formed entries** — a deposit has exactly one leg ``+amount``; a transfer exactly two legs,
  ``-amount`` on ``from_account`` and ``+amount`` on ``to_account``, the accounts distinct; every amount
  a positive integer;
* **no overdraft** — no balance is negative;
* **cache agrees** — every cached balance equals the ledger sum of its account (a cached account the
  ledger does not know is a violation too).

It is exposed over MCP as the read-only ``audit`` tool, so scenario expectations can call it remotely.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, TypeGuard

from servers.wallet.cache import BalanceCache
from servers.wallet.errors import WalletBackendDown
from servers.wallet.ledger import Ledger
from servers.wallet.models import AuditReport

MAX_REPORTED_VIOLATIONS = 50


def is_amount(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def entry_problems(doc: dict[str, Any]) -> list[str]:
    """What is wrong with one ledger document (empty when it is well formed)."""
    name = f"entry {doc.get('_id')} (key {doc.get('idempotency_key')!r})"
    kind, amount, legs = doc.get("kind"), doc.get("amount"), doc.get("legs")
    expected: list[tuple[Any, int]]
    request = doc.get("request") or {}
    if not is_amount(amount):
        return [f"{name}: amount {amount!r} is not a positive integer"]
    if not isinstance(legs, list) or not all(
        isinstance(leg, dict) and isinstance(leg.get("account"), str) and isinstance(leg.get("delta"), int)
        for leg in legs
    ):
        return [f"{name}: legs are malformed"]
    shape = [(leg["account"], leg["delta"]) for leg in legs]
    if kind == "deposit":
        expected = [(request.get("account"), amount)]
    elif kind == "transfer":
        expected = [(request.get("from_account"), -amount), (request.get("to_account"), amount)]
        if request.get("from_account") == request.get("to_account"):
            return [f"{name}: transfer from an account to itself"]
    else:
        return [f"{name}: unknown kind {kind!r}"]
    if shape != expected:
        return [f"{name}: {kind} legs {shape} should be {expected}"]
    return []


async def check_invariants(ledger: Ledger, cache: BalanceCache | None) -> AuditReport:
    """Check every invariant; ``cache=None`` skips the cache comparison."""
    violations: list[str] = []
    keys: Counter[str] = Counter()
    balances: defaultdict[str, int] = defaultdict(int)
    kinds: Counter[str] = Counter()
    total_deposited = 0
    async for doc in ledger.documents():
        keys[str(doc.get("idempotency_key"))] += 1
        kinds[str(doc.get("kind"))] += 1
        violations.extend(entry_problems(doc))
        for leg in doc.get("legs") or []:
            if isinstance(leg, dict) and isinstance(leg.get("delta"), int):
                balances[str(leg.get("account"))] += leg["delta"]
        if doc.get("kind") == "deposit" and is_amount(doc.get("amount")):
            total_deposited += doc["amount"]
    total_balances = sum(balances.values())
    if total_balances != total_deposited:
        violations.append(f"sum of balances {total_balances} != sum of deposits {total_deposited}")
    violations.extend(f"idempotency key {key!r} recorded {n} times" for key, n in keys.items() if n > 1)
    violations.extend(f"account {a!r} is overdrawn: {b}" for a, b in sorted(balances.items()) if b < 0)
    checked = 0
    if cache is not None:
        try:
            cached = await cache.all_cached()
        except WalletBackendDown as exc:
            violations.append(f"cached balances not checked: {exc}")
            cached = {}
        for account, value in sorted(cached.items()):
            checked += 1
            if account not in balances:
                violations.append(f"cache holds {value} for {account!r}, which the ledger does not know")
            elif balances[account] != value:
                violations.append(f"cache holds {value} for {account!r}, the ledger says {balances[account]}")
    hidden = len(violations) - MAX_REPORTED_VIOLATIONS
    if hidden > 0:
        violations = [*violations[:MAX_REPORTED_VIOLATIONS], f"... and {hidden} more"]
    return AuditReport(
        ok=not violations,
        entries=sum(keys.values()),
        deposits=kinds["deposit"],
        transfers=kinds["transfer"],
        accounts=len(balances),
        total_deposited=total_deposited,
        total_balances=total_balances,
        cached_balances_checked=checked,
        violations=violations,
    )
