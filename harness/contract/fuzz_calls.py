"""One fuzzed tools/call and what became of it: answered properly, answered wrongly, no answer
(a hang, with how long it waited), or the target died (refused or reset connections afterwards, or
the stdio process exited). After a death the target is brought back — a fresh process over stdio,
``--restart-cmd`` over HTTP — so the run goes on; when it cannot be, the run state says why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import anyio

from harness.contract.context import CheckContext
from harness.contract.session import LEGACY, McpSession
from harness.contract.stdio_wire import StdioWire, id_key
from harness.contract.target import TargetUnreachable
from harness.contract.wire import JsonRpcId, error_of, result_of

OutcomeKind = Literal["ok", "bad", "hang", "died"]
PROBE_TIMEOUT_S = 3.0
PROBE_ID = "contract-probe"


@dataclass
class CallOutcome:
    kind: OutcomeKind
    detail: str
    waited_s: float = 0.0
    sent: tuple[Any, dict[str, str]] | None = None  # the request as sent, for the reproduction
    abandoned: JsonRpcId | None = None  # a request given up on: the server may still be working on it


async def settle(ctx: CheckContext, outcomes: list[CallOutcome]) -> None:
    """Before replaying alone, let a server that works through its input in turn finish the calls we
    gave up on (stdio: their late responses arrive), bounded by one call timeout each."""
    session = ctx.connector.current_shared
    if session is None or not isinstance(session.wire, StdioWire):
        return
    wire = session.wire
    pending = [id_key(o.abandoned) for o in outcomes if o.abandoned is not None]
    with anyio.move_on_after(ctx.settings.call_timeout_s * len(pending)):
        while any(key not in wire.responses for key in pending) and wire.alive:
            await wire.arrived.wait()
    for key in pending:
        wire.responses.pop(key, None)


async def call_once(ctx: CheckContext, name: str, arguments: Any) -> CallOutcome:
    """Call ``name`` with ``arguments`` on the shared session and classify what came back."""
    try:
        session = await ctx.session()
    except (TargetUnreachable, TimeoutError) as exc:
        return CallOutcome("died", f"could not reopen a session: {exc}")
    timeout = ctx.settings.call_timeout_s
    generation = ctx.connector.generation
    token = f"contract-{session.next_id()}"
    started = anyio.current_time()
    params = {"name": name, "arguments": arguments}
    rid = session.next_id()
    try:
        with anyio.fail_after(ctx.settings.call_max_s):
            _, reply = await session.request(
                "tools/call", params, request_id=rid, timeout_s=timeout, progress_token=token
            )
    except TimeoutError:
        waited = anyio.current_time() - started
        cap = ctx.settings.call_max_s
        limit = (
            f"{timeout:g} s of silence" if waited < cap else f"the {cap:g} s cap on one call, progress or not"
        )
        outcome = CallOutcome("hang", f"no answer within {limit} (waited {waited:.1f} s)", abandoned=rid)
        return await confirm(ctx, session, outcome, waited, f"tools/call {name}", generation)
    except TargetUnreachable as exc:
        outcome = CallOutcome("died", str(exc))
        waited = anyio.current_time() - started
        return await confirm(ctx, session, outcome, waited, f"tools/call {name}", generation)
    outcome = judge(reply, rid)
    outcome.waited_s, outcome.sent = anyio.current_time() - started, session.last_sent
    if outcome.kind == "bad" and isinstance(session.wire, StdioWire) and not session.wire.alive:
        outcome.kind, outcome.detail = "died", "the process exited before answering"
        return await confirm(ctx, session, outcome, outcome.waited_s, f"tools/call {name}", generation)
    return outcome


def judge(reply: Any, rid: Any) -> CallOutcome:
    if reply.status is not None and reply.status >= 500:
        return CallOutcome("bad", f"HTTP {reply.status} (expected a result or a JSON-RPC error)")
    response = reply.response(rid)
    result = result_of(response)
    if result is None and error_of(response) is None:
        return CallOutcome("bad", f"neither a result nor an error: {reply.describe(200)}")
    if result is not None and not isinstance(result.get("content"), list):
        return CallOutcome("bad", "a result without a content array")
    return CallOutcome("ok", "answered")


async def confirm(
    ctx: CheckContext, session: McpSession, outcome: CallOutcome, waited: float, what: str, generation: int
) -> CallOutcome:
    """Tell a dead or stuck target from a dropped connection or one slow call, and bring a dead one back."""
    outcome.waited_s, outcome.sent = waited, session.last_sent
    async with ctx.connector.run.lock:
        if ctx.connector.generation != generation:
            outcome.kind = "died"  # another call saw the target die (maybe of this call) and revived it
            outcome.detail += "; the target died while this call was in flight (brought back since)"
            return outcome
        alive, account = await probe(ctx)
        if alive:
            if outcome.kind == "died":  # the connection broke but the server answers: a broken answer
                outcome.kind = "bad"
                outcome.detail = f"the connection closed without an answer ({outcome.detail})"
            return outcome
        if outcome.kind == "hang":
            outcome.detail += "; afterwards the server answered nothing at all"
        outcome.kind = "died"
        outcome.detail += await revive(ctx, account)
    ctx.connector.run.deaths.append((ctx.version, f"{what}: {outcome.detail}"))
    return outcome


async def probe(ctx: CheckContext) -> tuple[bool, str]:
    """Does the target still answer anything? A request of the negotiated version (ping for
    2025-11-25, server/discover for 2026-07-28) on a new connection; any HTTP status counts."""
    connector = ctx.connector
    if ctx.is_http:
        session = McpSession(ctx.version, connector.http_wire())
        method = "ping" if ctx.version == LEGACY else "server/discover"
        try:
            params: dict[str, Any] | None = None if ctx.version == LEGACY else {}
            await session.request(method, params, request_id=PROBE_ID, timeout_s=PROBE_TIMEOUT_S)
        except (TargetUnreachable, TimeoutError) as exc:
            return False, str(exc) or f"{method} unanswered for {PROBE_TIMEOUT_S:g} s"
        return True, "answers"
    shared = connector.current_shared
    if shared is None or not isinstance(shared.wire, StdioWire) or not shared.wire.alive:
        return False, "the process exited"
    return await shared.alive(timeout_s=PROBE_TIMEOUT_S)


async def revive(ctx: CheckContext, account: str) -> str:
    """Bring the target back; returns what to add to the finding (exit status, restart)."""
    connector = ctx.connector
    if not ctx.is_http:
        exit_account = await connector.respawn()
        return f"; {exit_account}; a fresh process was started to go on"
    connector.forget_shared()  # a restarted server knows no session of ours
    run = connector.run
    why = await run.restart(lambda: probe_answers(ctx))
    if why is None:
        connector.generation += 1
        return f"; --restart-cmd brought the target back (restart #{run.restarts})"
    run.dead = f"the target stopped answering ({account}) and was not restarted: {why}"
    return f"; it stays down ({why})"


async def probe_answers(ctx: CheckContext) -> bool:
    alive, _ = await probe(ctx)
    return alive
