"""Cancellation and progress (2025-11-25): a cancelled in-flight request ends promptly and the
server keeps serving; a cancellation for an unknown request is ignored; progress notifications
carry the request's token, increase, and stop once the response is sent.

Stopping a request is only observable on a tool that runs long: name one with
``ContractSettings.long_tool`` (``--long-tool``); without it that check is skipped with the reason.
"""

from __future__ import annotations

import json
from typing import Any

import anyio

from harness.contract.context import CheckContext
from harness.contract.outcomes import CheckSkipped, expect
from harness.contract.registry import ALONE, LEGACY_ONLY, check
from harness.contract.session import McpSession
from harness.contract.stdio_wire import StdioWire
from harness.contract.wire import Reply, result_of

CANCEL_RESEND_S = 0.1
PROGRESS_SAMPLES = 3


@check(
    "cancel.unknown-request-ignored",
    title="a cancellation for an unknown request is ignored",
    clause="utilities/cancellation: invalid cancellation notifications SHOULD be ignored",
    severity="SHOULD",
    versions=LEGACY_ONLY,
)
async def unknown_request_ignored(ctx: CheckContext) -> None:
    session = await ctx.session()
    reply = await session.notify(
        "notifications/cancelled", {"requestId": "never-sent-4711", "reason": "contract"}
    )
    expect(
        reply.status is None or reply.status < 300, "acknowledged (202) or silently ignored", reply.describe()
    )
    alive, account = await session.alive()
    expect(alive, "the server still serving", account)


@check(
    "cancel.in-flight-stops",
    title="a cancelled in-flight request ends promptly and the server keeps serving",
    clause=(
        "utilities/cancellation: receivers SHOULD stop processing a cancelled request;"
        " races handled gracefully"
    ),
    severity="SHOULD",
    versions=LEGACY_ONLY,
    phase=ALONE,
)
async def in_flight_stops(ctx: CheckContext) -> None:
    if not ctx.settings.long_tool:
        raise CheckSkipped("needs a long-running tool: set long_tool (--long-tool NAME)")
    session = await ctx.fresh_session() if ctx.is_http else await ctx.session()
    rid = f"cancel-me-{session.next_id()}"
    params = {"name": ctx.settings.long_tool, "arguments": ctx.settings.long_tool_arguments}
    grace = ctx.settings.cancel_grace_s
    finished = anyio.Event()
    outcome: list[Reply] = []

    async def call() -> None:
        try:
            _, reply = await session.request(
                "tools/call", params, request_id=rid, timeout_s=grace, progress_token=f"{rid}-progress"
            )
        except TimeoutError:
            return  # silence: judged below
        outcome.append(reply)
        finished.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(call)
        with anyio.move_on_after(grace):
            while not finished.is_set():  # resend: a cancel that overtakes its request is ignored by design
                cancel = {"requestId": rid, "reason": "contract check"}
                await session.notify("notifications/cancelled", cancel)
                with anyio.move_on_after(CANCEL_RESEND_S):
                    await finished.wait()
        tg.cancel_scope.cancel()
    if ctx.is_http:  # over stdio silence is the expected answer (SHOULD NOT respond)
        expect(finished.is_set(), f"the cancelled call to end within {grace:g} s", "it was still running")
    reply = outcome[0] if outcome else Reply()
    result = result_of(reply.response(rid))
    expect(
        result is None or bool(result.get("isError")),
        "the cancelled call not to run to completion",
        f"it completed: {reply.describe()}",
    )
    if ctx.is_http:
        expect(reply.status is not None and reply.status < 500, "no HTTP 5xx", reply.describe())
    alive, account = await session.alive()
    expect(alive, "the server still serving after the cancellation", account)


@check(
    "progress.token",
    title="progress notifications carry the token, increase, and stop with the response",
    clause="utilities/progress: notifications MUST reference the given token; progress MUST increase",
    severity="MUST",
    versions=LEGACY_ONLY,
    phase=ALONE,  # after the cancellation check: its late notes must not be mistaken for ours
)
async def progress_token(ctx: CheckContext) -> None:
    session = await ctx.session()
    observed = 0
    issued: list[tuple[str, str, int]] = []
    for tool in await ctx.callable_tools():
        for index, arguments in enumerate(await ctx.call_examples(tool, PROGRESS_SAMPLES)):
            token = f"progress-{tool['name']}-{index}-{session.next_id()}"
            params: dict[str, Any] = {"name": tool["name"], "arguments": arguments}
            _rid, reply = await session.request(
                "tools/call", params, progress_token=token, timeout_s=ctx.settings.call_timeout_s
            )
            notes = reply.notifications("notifications/progress")
            observed += len(notes)
            verify_progress(str(tool["name"]), token, notes)
            issued.append((str(tool["name"]), token, len(notes)))
    if not session.is_http:
        verify_stdio_aftermath(session, issued)
    if not observed:
        raise CheckSkipped("no tool reported progress (with JSON responses a server may send none)")


def verify_stdio_aftermath(session: McpSession, issued: list[tuple[str, str, int]]) -> None:
    """Over stdio notes are told apart by token: one carrying a token we never issued is wrong, one
    for a request whose response came is late. Notes of earlier checks' requests are not ours."""
    wire = session.wire
    assert isinstance(wire, StdioWire)
    for tool, token, before in issued:
        late = wire.expect_progress(token)[before:]
        expect(not late, f"{tool}: no progress after the response", f"{len(late)} note(s) after the result")
    stray = [m for m in wire.drain() if isinstance(m, dict) and m.get("method") == "notifications/progress"]
    tokens = sorted({str((m.get("params") or {}).get("progressToken")) for m in stray})
    expect(not stray, "progress notes only with a token the client issued", f"tokens {tokens}")


def verify_progress(tool: str, token: str, notes: list[dict[str, Any]]) -> None:
    last: float | None = None
    for note in notes:
        params = note.get("params") or {}
        expect(params.get("progressToken") == token, f"{tool}: token {token!r}", json.dumps(params)[:200])
        value = params.get("progress")
        expect(isinstance(value, int | float), f"{tool}: numeric progress", json.dumps(params)[:200])
        assert isinstance(value, int | float)  # expect() raised otherwise; narrows for the comparison
        expect(last is None or value > last, f"{tool}: increasing progress", f"{last} then {value}")
        last = value
