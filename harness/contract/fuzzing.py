"""Fuzzing: every tool called with valid arguments generated from its inputSchema and with invalid
ones; every call must be answered (result or error) within a deadline, never with HTTP 5xx, and the
server must keep serving afterwards. Seeded; a failure names the tool, the example and the seed."""

from __future__ import annotations

import json
from typing import Any

import anyio

from harness.contract.argument_examples import first_valid, invalid_arguments, valid_arguments
from harness.contract.context import CheckContext
from harness.contract.outcomes import CheckFailed, expect
from harness.contract.registry import check
from harness.contract.target import TargetUnreachable
from harness.contract.wire import error_of, result_of


def show(arguments: Any, limit: int = 160) -> str:
    text = json.dumps(arguments, ensure_ascii=True)
    return text if len(text) <= limit else text[:limit] + f"…(+{len(text) - limit} chars)"


async def fuzz_call(ctx: CheckContext, name: str, label: str, arguments: Any) -> None:
    """One call; raises CheckFailed describing the example unless it was answered properly."""
    session = await ctx.session()
    where = f"{name} with {label} {show(arguments)} (seed {ctx.settings.fuzz_seed})"
    try:
        with anyio.fail_after(ctx.settings.fuzz_call_timeout_s):
            rid, reply = await session.request(
                "tools/call",
                {"name": name, "arguments": arguments},
                timeout_s=ctx.settings.fuzz_call_timeout_s,
            )
    except TimeoutError as exc:
        raise CheckFailed(
            f"an answer within {ctx.settings.fuzz_call_timeout_s:g} s", f"none for {where}"
        ) from exc
    except TargetUnreachable as exc:
        raise CheckFailed("the server to stay up", f"{exc} after {where}") from exc
    expect(reply.status is None or reply.status < 500, "no HTTP 5xx", f"{reply.describe()} for {where}")
    response = reply.response(rid)
    result = result_of(response)
    expect(
        result is not None or error_of(response) is not None,
        "a JSON-RPC result or error",
        f"{reply.describe()} for {where}",
    )
    if result is not None:
        expect(
            isinstance(result.get("content"), list), "content in the result", f"{show(result)} for {where}"
        )


async def still_serving(ctx: CheckContext) -> None:
    session = await ctx.session()
    alive, account = await session.alive()
    expect(alive, "the server still serving after fuzzing", account)


@check(
    "fuzz.valid-arguments",
    title="generated valid arguments are all answered, no 5xx, server stays up",
    clause=(
        "server/tools + transports: every request gets a response; servers MUST validate inputs and not crash"
    ),
    severity="MUST",
)
async def fuzz_valid(ctx: CheckContext) -> None:
    for tool in await ctx.callable_tools():
        schema = tool.get("inputSchema") or {}
        examples = await anyio.to_thread.run_sync(
            valid_arguments, schema, ctx.settings.fuzz_valid_examples, ctx.settings.fuzz_seed
        )
        for index, arguments in enumerate(examples):
            await fuzz_call(ctx, str(tool["name"]), f"valid example #{index}", arguments)
    await still_serving(ctx)


@check(
    "fuzz.invalid-arguments",
    title="wrong types, missing fields, extra fields, huge and odd strings are all answered",
    clause=(
        "server/tools security: servers MUST validate all tool inputs; bad input yields an error, not a crash"
    ),
    severity="MUST",
)
async def fuzz_invalid(ctx: CheckContext) -> None:
    for tool in await ctx.callable_tools():
        schema = tool.get("inputSchema") or {}
        base = await anyio.to_thread.run_sync(first_valid, schema, ctx.settings.fuzz_seed)
        for label, arguments in invalid_arguments(
            schema, base, ctx.settings.fuzz_invalid_examples, ctx.settings.fuzz_seed
        ):
            await fuzz_call(ctx, str(tool["name"]), label, arguments)
    await still_serving(ctx)
