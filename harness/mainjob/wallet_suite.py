"""Suite ``wallet``: concurrent transfers through the gateway, every one sent twice with its key.

Proves end to end (gateway → client → wallet over mTLS → Redis on a socket) that idempotency keys make
retries safe and that no ledger entry is lost or duplicated: the wallet's own audit must hold, the ledger
must hold exactly one entry per accepted key, and balances must equal a model of the accepted transfers.
"""

from __future__ import annotations

import random
from typing import Any

import anyio

from harness.launch.inprocess import Deployment
from harness.mainjob.outcomes import timed_outcome
from harness.mcp_http import open_mcp_client
from harness.report import Outcome

SUITE = "wallet"
ACCOUNTS = ("mj-w-0", "mj-w-1", "mj-w-2", "mj-w-3")
OPENING = 2_000
CONCURRENCY = 24
ATTEMPTS = 5
TRANSIENT = ("busy", "timed out", "timeout", "unavailable")


async def concurrent_transfers(
    deployment: Deployment, transfers: int, seed: int
) -> tuple[str, dict[str, Any]]:
    rng = random.Random(seed)
    plan = []
    for i in range(transfers):
        source, target = rng.sample(ACCOUNTS, 2)
        plan.append((f"mj-w-t{i}", source, target, rng.randint(1, 1_500)))
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key
    results: dict[str, list[dict[str, Any] | str]] = {key: [] for key, *_ in plan}
    async with open_mcp_client(endpoints.gateway, api_key=endpoints.api_key) as client:
        for account in ACCOUNTS:
            opened = await client.call_tool(
                "wallet__deposit",
                {"account": account, "amount": OPENING, "idempotency_key": f"open-{account}"},
            )
            assert not opened.is_error, f"opening deposit failed: {opened.content}"
        before = (await client.call_tool("wallet__audit", {})).structured_content or {}

        limiter = anyio.CapacityLimiter(CONCURRENCY)

        async def attempt(arguments: dict[str, Any]) -> dict[str, Any] | str:
            """Retry transient refusals (busy, timeout) with the same key, as an agent would."""
            text = ""
            for _ in range(ATTEMPTS):
                async with limiter:
                    result = await client.call_tool("wallet__transfer", arguments)
                if not result.is_error:
                    return result.structured_content or {}
                text = " ".join(getattr(c, "text", "") for c in result.content)
                if not any(word in text.lower() for word in TRANSIENT):
                    return text
            return text

        async def send(key: str, source: str, target: str, amount: int) -> None:
            arguments = {
                "from_account": source,
                "to_account": target,
                "amount": amount,
                "idempotency_key": key,
            }
            results[key].append(await attempt(arguments))
            # the duplicate an agent sends after a lost response
            results[key].append(await attempt(arguments))

        async with anyio.create_task_group() as tg:
            for key, source, target, amount in plan:
                tg.start_soon(send, key, source, target, amount)
        audit = (await client.call_tool("wallet__audit", {})).structured_content or {}
        balances = {
            account: (
                (await client.call_tool("wallet__get_balance", {"account": account})).structured_content or {}
            )
            for account in ACCOUNTS
        }

    # A refused transfer writes nothing, so its duplicate may be accepted later once funds arrived.
    accepted = {key for key, answers in results.items() if any(isinstance(a, dict) for a in answers)}
    for key in accepted:
        first, second = results[key]
        if isinstance(first, dict):
            assert isinstance(second, dict) and second.get("replayed") is True, (
                f"{key}: retry not replayed: {second}"
            )
            assert first["transaction_id"] == second["transaction_id"], (
                f"{key}: retry made another transaction"
            )
    refused = [answers[0] for key, answers in results.items() if key not in accepted]
    unexpected = [str(a) for answers in results.values() for a in answers if isinstance(a, str)]
    unexpected = [text for text in unexpected if "insufficient" not in text.lower()]
    assert not unexpected, f"transfers refused for other reasons than funds: {unexpected[:3]}"
    assert audit.get("ok") is True, f"audit failed: {audit.get('violations')}"
    new_entries = int(audit["entries"]) - int(before.get("entries", 0))
    assert new_entries == len(accepted), (
        f"{new_entries} ledger entries for {len(accepted)} accepted transfers"
    )
    model = dict.fromkeys(ACCOUNTS, OPENING)
    for key in accepted:
        _, source, target, amount = next(p for p in plan if p[0] == key)
        model[source] -= amount
        model[target] += amount
    observed = {account: balances[account].get("balance") for account in ACCOUNTS}
    assert observed == model, f"balances {observed} differ from the model of accepted transfers {model}"
    detail = (
        f"{transfers} transfers ×2 (retries) concurrently: {len(accepted)} accepted once, "
        f"{len(refused)} refused for funds; audit ok; balances match the model"
    )
    return detail, {"accepted": len(accepted), "refused": len(refused)}


async def run_suite(deployment: Deployment, transfers: int = 100, seed: int = 20261125) -> list[Outcome]:
    return [
        await timed_outcome(
            SUITE,
            "concurrent transfers with retried idempotency keys",
            lambda: concurrent_transfers(deployment, transfers, seed),
            120,
        )
    ]
