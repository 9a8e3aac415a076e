"""JSON-RPC checks: the error codes for malformed JSON, invalid requests, unknown methods and bad
params; ids echoed with their type; batches refused (neither version supports batching); and the
server surviving garbage. Over stdio, garbage has no HTTP status, so only the message counts."""

from __future__ import annotations

from typing import Any

from harness.contract.context import CheckContext
from harness.contract.outcomes import expect
from harness.contract.registry import ALONE, check
from harness.contract.session import LEGACY, McpSession
from harness.contract.stdio_wire import StdioWire, id_key
from harness.contract.wire import Reply, error_of, result_of

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
STDIO_GARBAGE_WAIT_S = 2.0  # only a server that also ignores the barrier request waits this long
GARBAGE_IDS = (1, 77, 78, 501)


async def send_garbage(
    ctx: CheckContext, session: McpSession, body: Any, raw: bool, wait: bool = True
) -> Reply:
    """Send an unusable body. Over stdio there is no status to read, so a valid request follows it as
    a barrier: a server answers its input in order, so an answer to the garbage comes before the
    barrier's (these checks run alone, so such an answer is theirs). ``wait=False``: send only."""
    if session.is_http:
        return await session.send(body, request_id=None, headers=session.headers_for(None, None), raw=True)
    wire = session.wire
    assert isinstance(wire, StdioWire)
    await wire.send(body, raw=raw)
    if not wait:
        return Reply()
    barrier_id = f"barrier-{session.next_id()}"
    method = "ping" if session.version == LEGACY else "server/discover"
    params = session.frame_params(None if session.version == LEGACY else {})
    barrier = {"jsonrpc": "2.0", "id": barrier_id, "method": method, **({"params": params} if params else {})}
    await wire.send(barrier)
    await wire.await_response(barrier_id, STDIO_GARBAGE_WAIT_S)
    reply = Reply()
    if wire.anonymous:
        reply.messages.append(wire.anonymous.pop(0))
    for request_id in GARBAGE_IDS:  # an answer that echoed the id of an invalid request
        if not reply.messages and id_key(request_id) in wire.responses:
            reply.messages.append(wire.responses.pop(id_key(request_id)))
    reply.undecodable, wire.undecodable = wire.undecodable, []
    return reply


def error_code(reply: Reply) -> int | None:
    error = error_of(reply.response())
    return error.get("code") if error else None


@check(
    "jsonrpc.parse-error",
    title="malformed JSON gets error -32700",
    clause="JSON-RPC 2.0 §5.1: invalid JSON received by the server → -32700 Parse error, id null",
    severity="SHOULD",
    phase=ALONE,
)
async def parse_error(ctx: CheckContext) -> None:
    session = await ctx.session()
    reply = await send_garbage(ctx, session, '{"jsonrpc": "2.0", "id": 1, "method": "ping"', raw=True)
    expect(error_code(reply) == PARSE_ERROR, "an error response with code -32700", reply.describe())


@check(
    "jsonrpc.invalid-request",
    title="a request object without a method is answered with an error, not a result",
    clause="JSON-RPC 2.0 §5: a call that is not a valid Request MUST yield an error response",
    severity="MUST",
    transports=("http",),
)
async def invalid_request(ctx: CheckContext) -> None:
    session = await ctx.session()
    reply = await send_garbage(ctx, session, '{"jsonrpc": "2.0", "id": 77}', raw=True)
    expect(result_of(reply.response()) is None, "no result for an invalid request", reply.describe())
    expect(
        (reply.status is not None and reply.status >= 400) or error_code(reply) is not None,
        "an error",
        reply.describe(),
    )


@check(
    "jsonrpc.invalid-request-code",
    title="an invalid request gets error -32600",
    clause="JSON-RPC 2.0 §5.1: the JSON sent is not a valid Request object → -32600 Invalid Request",
    severity="SHOULD",
    phase=ALONE,
)
async def invalid_request_code(ctx: CheckContext) -> None:
    session = await ctx.session()
    reply = await send_garbage(ctx, session, '{"jsonrpc": "2.0", "id": 78, "params": {}}', raw=True)
    expect(error_code(reply) == INVALID_REQUEST, "an error response with code -32600", reply.describe())


@check(
    "jsonrpc.survives-garbage",
    title="the server keeps serving after malformed input",
    clause="JSON-RPC 2.0 / MCP transports: malformed messages are rejected, not fatal",
    severity="MUST",
    phase=ALONE,
)
async def survives_garbage(ctx: CheckContext) -> None:
    session = await ctx.session()
    for body in (
        "{not json",
        "[]",
        '{"jsonrpc": "2.0", "id": {"nested": true}, "method": 5}',
        "\u0000\u0001",
    ):
        await send_garbage(ctx, session, body, raw=True, wait=False)
    alive, account = await session.alive()
    if isinstance(session.wire, StdioWire):
        session.wire.anonymous.clear()  # the answers to the garbage (if any) are no one's
    expect(alive, "the server still answering afterwards", account)


@check(
    "jsonrpc.method-not-found",
    title="an unknown method gets error -32601 (and HTTP 404 on 2026-07-28)",
    clause="JSON-RPC 2.0 §5.1 -32601; 2026-07-28 transports: an unknown method gets 404",
    severity="MUST",
)
async def method_not_found(ctx: CheckContext) -> None:
    session = await ctx.session()
    rid, reply = await session.request("no/such-method", {})
    error = error_of(reply.response(rid))
    expect(error is not None and error.get("code") == METHOD_NOT_FOUND, "error -32601", reply.describe())
    if session.is_http and session.version != LEGACY:
        expect(reply.status == 404, "HTTP 404 for an unknown method", reply.describe())


@check(
    "jsonrpc.invalid-params",
    title="tools/call without a tool name gets error -32602",
    clause=(
        "JSON-RPC 2.0 §5.1 -32602; tools: a request failing the CallToolRequest schema is a protocol error"
    ),
    severity="MUST",
)
async def invalid_params(ctx: CheckContext) -> None:
    session = await ctx.session()
    rid, reply = await session.request("tools/call", {"arguments": {"x": 1}})
    error = error_of(reply.response(rid))
    expect(error is not None and error.get("code") == INVALID_PARAMS, "error -32602", reply.describe())


@check(
    "jsonrpc.id-echo",
    title="response ids echo request ids exactly (string and number)",
    clause="basic/index: a response MUST include the same ID as the request it corresponds to",
    severity="MUST",
)
async def id_echo(ctx: CheckContext) -> None:
    session = await ctx.session()
    method = "ping" if session.version == LEGACY else "server/discover"
    params: dict[str, Any] | None = None if session.version == LEGACY else {}
    for request_id in ("req-ü-42", 987654321):
        _, reply = await session.request(method, params, request_id=request_id)
        response = reply.response(request_id)
        expect(
            response is not None,
            f"a response with id {request_id!r} ({type(request_id).__name__})",
            reply.describe(),
        )


@check(
    "jsonrpc.batch-rejected",
    title="a JSON-RPC batch is refused (batching was removed in 2025-06-18)",
    clause=(
        "transports: the POST body MUST be a single JSON-RPC message; batches are not part of these versions"
    ),
    severity="SHOULD",
    phase=ALONE,
)
async def batch_rejected(ctx: CheckContext) -> None:
    session = await ctx.session()
    method = "ping" if session.version == LEGACY else "server/discover"
    params = session.frame_params(None if session.version == LEGACY else {})
    batch = [
        {"jsonrpc": "2.0", "id": 501, "method": method, **({"params": params} if params is not None else {})}
    ]
    reply = (
        await send_garbage(ctx, session, batch, raw=False)
        if not session.is_http
        else await session.send(batch, request_id=None, headers=session.headers_for(method, params))
    )
    answered = any(isinstance(m, list) for m in reply.messages) or result_of(reply.response(501)) is not None
    expect(not answered, "the batch refused with an error", reply.describe())
    expect(
        (reply.status is not None and reply.status >= 400) or error_code(reply) is not None,
        "an error status or error response",
        reply.describe(),
    )
