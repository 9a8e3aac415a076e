"""The target stays up for the whole run: every death seen by any check of this protocol version
(a stdio process that exited, an HTTP server that stopped answering) fails this MUST, and so does a
target that no longer answers at the end. Runs last in each version."""

from __future__ import annotations

from harness.contract.context import CheckContext
from harness.contract.fuzz_calls import probe
from harness.contract.outcomes import expect
from harness.contract.registry import LAST, check


@check(
    "target.stays-up",
    title="the target keeps answering for the whole run, whatever it was sent",
    clause="transports + server/tools security: servers MUST NOT crash or stop serving on any input",
    severity="MUST",
    phase=LAST,
)
async def stays_up(ctx: CheckContext) -> None:
    deaths = [d for version, d in ctx.connector.run.deaths if version == ctx.version]
    expect(
        not deaths,
        "no death during the run",
        f"{len(deaths)} death(s), the first: " + " || ".join(deaths[:3]),
    )
    if ctx.connector.run.dead:
        return
    alive, account = await probe(ctx)
    expect(alive, "the target answering at the end of the run", account)
