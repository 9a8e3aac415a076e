"""Fuzzing: every callable tool called with valid arguments (the user's ``--example``s, the schema's
examples, then hypothesis-jsonschema) and with invalid ones; every call must be answered (result or
error) without HTTP 5xx, and the target must survive. A failing example is isolated (replayed
alone), shrunk (see shrinking) and reported with the tool, the exact arguments, the protocol
version and a one-line reproduction. A tool whose schema cannot be fuzzed is noted, never fatal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio

from harness.contract.argument_examples import SchemaUnusable, first_valid, invalid_arguments, valid_arguments
from harness.contract.context import CheckContext
from harness.contract.fuzz_calls import CallOutcome, call_once
from harness.contract.fuzz_findings import Case, Finding, isolate_and_shrink
from harness.contract.outcomes import CheckFailed, expect
from harness.contract.registry import ALONE, check

CaseMaker = Callable[[CheckContext, dict[str, Any]], list[Case]]


def valid_cases(ctx: CheckContext, tool: dict[str, Any]) -> list[Case]:
    schema = tool.get("inputSchema") or {}
    known = ctx.known_good(tool)
    cases = [Case(f"known-good example #{i}", a) for i, a in enumerate(known)]
    generated = valid_arguments(schema, ctx.settings.fuzz_valid_examples, ctx.settings.fuzz_seed)
    cases += [Case(f"valid example #{i}", a) for i, a in enumerate(generated) if a not in known]
    return cases


def invalid_cases(ctx: CheckContext, tool: dict[str, Any]) -> list[Case]:
    schema = tool.get("inputSchema") or {}
    known = ctx.known_good(tool)
    base = known[0] if known else first_valid(schema, ctx.settings.fuzz_seed)
    pairs = invalid_arguments(schema, base, ctx.settings.fuzz_invalid_examples, ctx.settings.fuzz_seed)
    return [Case(label, arguments) for label, arguments in pairs]


async def first_failures(ctx: CheckContext, name: str, cases: list[Case]) -> list[tuple[Case, CallOutcome]]:
    """Run ``cases`` (bounded concurrency); stop launching once one fails; return the failures."""
    failed: list[tuple[int, Case, CallOutcome]] = []
    # Over HTTP with no way to restart, one call at a time, so a death names exactly one request.
    exact = ctx.is_http and not ctx.connector.run.can_restart
    limiter = anyio.CapacityLimiter(1 if exact else ctx.settings.fuzz_concurrency)

    async def one(index: int, case: Case) -> None:
        async with limiter:
            if failed or ctx.connector.run.dead:
                return
            outcome = await call_once(ctx, name, case.arguments)
            if outcome.kind != "ok":
                failed.append((index, case, outcome))

    async with anyio.create_task_group() as group:
        for index, case in enumerate(cases):
            group.start_soon(one, index, case)
    return [(case, outcome) for _, case, outcome in sorted(failed, key=lambda f: f[0])]


async def fuzz_tools(ctx: CheckContext, make_cases: CaseMaker) -> str:
    """Fuzz every callable tool; raise CheckFailed listing each tool's finding, else return notes."""
    findings: list[Finding] = []
    notes: list[str] = []
    for tool in await ctx.callable_tools():
        name = str(tool["name"])
        if ctx.connector.run.dead:
            notes.append(f"{name}: not run ({ctx.connector.run.dead})")
            continue
        try:
            cases = await anyio.to_thread.run_sync(make_cases, ctx, tool)
        except SchemaUnusable as exc:
            notes.append(f"{name}: not fuzzed ({exc}; see tools.input-schema)")
            continue
        failures = await first_failures(ctx, name, cases)
        if failures:
            finding = await isolate_and_shrink(ctx, name, failures)
            if finding.load_dependent:
                notes.append(f"{name}: only among concurrent calls, not alone: {finding.outcome.detail}")
            else:
                findings.append(finding)
    if findings:
        raise CheckFailed(
            "every call answered (result or JSON-RPC error) and the target to stay up",
            " || ".join(f.describe() for f in findings) + (f" (also: {'; '.join(notes)})" if notes else ""),
            details=[f.as_dict() for f in findings],
        )
    if not ctx.connector.run.dead:
        session = await ctx.session()
        alive, account = await session.alive()
        expect(alive, "the server still serving after fuzzing", account)
    return "held" + (f"; {'; '.join(notes)}" if notes else "")


@check(
    "fuzz.valid-arguments",
    title="generated valid arguments are all answered, no 5xx, server stays up",
    clause=(
        "server/tools + transports: every request gets a response; servers MUST validate inputs and not crash"
    ),
    severity="MUST",
    phase=ALONE,
    per_call_deadlines=True,  # a run of slow tools that report progress may take minutes, and that is fine
)
async def fuzz_valid(ctx: CheckContext) -> str:
    return await fuzz_tools(ctx, valid_cases)


@check(
    "fuzz.invalid-arguments",
    title="wrong types, missing fields, extra fields, huge and odd strings are all answered",
    clause=(
        "server/tools security: servers MUST validate all tool inputs; bad input yields an error, not a crash"
    ),
    severity="MUST",
    phase=ALONE,
    per_call_deadlines=True,  # a run of slow tools that report progress may take minutes, and that is fine
)
async def fuzz_invalid(ctx: CheckContext) -> str:
    return await fuzz_tools(ctx, invalid_cases)
