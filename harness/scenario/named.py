"""The catalogue of named steps: what a scenario says with ``use: {step: NAME, with: {...}}``.

Each entry has an argument model (checked when the file is loaded, so a wrong argument is reported
with its line) and the function that runs it. Functions are imported when first run, so loading and
validating scenarios stays cheap.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from pydantic import BaseModel

from harness.scenario import isolation, suites, wallet
from harness.scenario.context import RunContext
from harness.scenario.timeline import Use


@dataclass(frozen=True)
class NamedStep:
    args: type[BaseModel]
    function: str  # module:function
    summary: str


NAMED: dict[str, NamedStep] = {
    "wallet_accounts": NamedStep(wallet.AccountsArgs, "harness.scenario.wallet:wallet_accounts",
                                 "fund N accounts; note the ledger's size for the invariants"),
    "wallet_transfers": NamedStep(wallet.TransfersArgs, "harness.scenario.wallet:wallet_transfers",
                                  "seeded concurrent transfers with idempotency keys, retries, re-sends"),
    "wallet_complete": NamedStep(wallet.CompleteArgs, "harness.scenario.wallet:wallet_complete",
                                 "finish every unconfirmed transfer with its key"),
    "sdk_calls": NamedStep(suites.SdkCallsArgs, "harness.scenario.suites:sdk_calls",
                           "call samples through the SDK client; compare with tools/list"),
    "contract": NamedStep(suites.ContractArgs, "harness.scenario.suites:contract",
                          "the contract suite on a server (stdio) or the gateway"),
    "recall": NamedStep(suites.RecallArgs, "harness.scenario.suites:recall",
                        "recall@k of the shipped questions through the gateway"),
    "servers_refuse_without_certificate": NamedStep(
        suites.NoArgs, "harness.scenario.suites:servers_refuse_without_certificate",
        "dial each server without the client's certificate"),
    "ingest_long_documents": NamedStep(suites.DocumentsArgs, "harness.scenario.suites:ingest_long_documents",
                                       "ingest long deterministic documents into knowledge"),
    "isolation_matrix": NamedStep(isolation.MatrixArgs, "harness.scenario.isolation:isolation_matrix",
                                  "dial every pair of services from their namespaces (runner netns)"),
}  # fmt: skip


def check_use(use: Use) -> None:
    """Raise ValueError when the named step is unknown or its arguments do not fit."""
    named = NAMED.get(use.step)
    if named is None:
        raise ValueError(f"unknown step {use.step!r}; known: {', '.join(NAMED)}")
    named.args.model_validate(use.with_)


async def run_named(use: Use, ctx: RunContext) -> None:
    named = NAMED[use.step]
    module, _, name = named.function.partition(":")
    function = getattr(importlib.import_module(module), name)
    await function(ctx, named.args.model_validate(use.with_), use.as_ or use.step)
