"""Streamable HTTP checks: Accept, JSON/SSE bodies, 202 for notifications, sessions, the protocol
version header, Origin, Mcp-Method/Mcp-Name, GET on the endpoint, and 4xx for unusable bodies.

Every request here is crafted by hand (see :mod:`harness.contract.http_wire`); stdio targets skip
these checks as not applicable.
"""

from __future__ import annotations

from typing import Any

from harness.contract.context import CheckContext
from harness.contract.outcomes import CheckSkipped, expect
from harness.contract.registry import LEGACY_ONLY, MODERN_ONLY, check
from harness.contract.session import LEGACY, McpSession
from harness.contract.target import TransportKind
from harness.contract.wire import Reply, error_of

HTTP_ONLY: tuple[TransportKind, ...] = ("http",)
HEADER_MISMATCH = -32020


def ping_body(session: McpSession) -> tuple[str, dict[str, Any] | None]:
    return ("ping", None) if session.version == LEGACY else ("server/discover", {})


@check(
    "http.response-body",
    title="a request is answered with a JSON or SSE body holding its response",
    clause=(
        "transports/streamable-http: the server MUST return Content-Type"
        " text/event-stream or application/json"
    ),
    severity="MUST",
    transports=HTTP_ONLY,
)
async def response_body(ctx: CheckContext) -> None:
    ctx.require_http()
    session = await ctx.session()
    method, params = ping_body(session)
    rid, reply = await session.request(method, params)
    kind = reply.content_type.split(";")[0].strip()
    expect(
        kind in ("application/json", "text/event-stream"),
        "application/json or text/event-stream",
        reply.describe(),
    )
    expect(reply.status == 200, "HTTP 200", reply.describe())
    expect(
        not reply.undecodable, "every message decodable as JSON", f"undecodable: {reply.undecodable[:1]!r}"
    )
    expect(reply.response(rid) is not None, f"the response to id {rid}", reply.describe())


@check(
    "http.notification-202",
    title="a notification POST is acknowledged with 202 and no body",
    clause="transports/streamable-http: for a notification the server MUST return 202 Accepted with no body",
    severity="MUST",
    transports=HTTP_ONLY,
)
async def notification_202(ctx: CheckContext) -> None:
    ctx.require_http()
    session = await ctx.session()
    reply = await session.notify("notifications/progress", {"progressToken": "unknown-token", "progress": 1})
    expect(reply.status == 202, "HTTP 202 Accepted", reply.describe())
    expect(not reply.body.strip(), "an empty body", repr(reply.body[:200]))


@check(
    "http.accept-required",
    title="a POST that does not accept application/json is refused with 4xx",
    clause="transports/streamable-http: clients MUST accept application/json and text/event-stream",
    severity="SHOULD",
    transports=HTTP_ONLY,
)
async def accept_required(ctx: CheckContext) -> None:
    wire = ctx.require_http()
    session = await ctx.session()
    method, params = ping_body(session)
    rid = session.next_id()
    body = {"jsonrpc": "2.0", "id": rid, "method": method, "params": session.frame_params(params)}
    reply = await wire.post(body, session.headers_for(method, params), await_id=rid, accept="text/html")
    expect(
        reply.status is not None and 400 <= reply.status < 500, "HTTP 406 (or another 4xx)", reply.describe()
    )


@check(
    "http.origin-validated",
    title="a hostile Origin is refused with 403",
    clause="transports/streamable-http security: if Origin is present and invalid, servers MUST respond 403",
    severity="MUST",
    transports=HTTP_ONLY,
)
async def origin_validated(ctx: CheckContext) -> None:
    ctx.require_http()
    session = await ctx.session()
    method, params = ping_body(session)
    _, reply = await session.request(method, params, headers={"Origin": ctx.settings.hostile_origin})
    expect(reply.status == 403, f"HTTP 403 for Origin {ctx.settings.hostile_origin}", reply.describe())


@check(
    "http.protocol-version-header",
    title="an invalid MCP-Protocol-Version header is refused with 400",
    clause=(
        "transports/streamable-http: an invalid or unsupported MCP-Protocol-Version MUST get 400 Bad Request"
    ),
    severity="MUST",
    transports=HTTP_ONLY,
)
async def protocol_version_header(ctx: CheckContext) -> None:
    ctx.require_http()
    session = await ctx.session()
    method, params = ping_body(session)
    _, reply = await session.request(method, params, headers={"MCP-Protocol-Version": "not-a-version"})
    expect(reply.status == 400, "HTTP 400", reply.describe())


@check(
    "http.malformed-body-4xx",
    title="an unparseable or invalid body gets 4xx, never 2xx or 5xx",
    clause=(
        "transports/streamable-http: if the server cannot accept the input it MUST"
        " return an HTTP error status"
    ),
    severity="MUST",
    transports=HTTP_ONLY,
)
async def malformed_body(ctx: CheckContext) -> None:
    ctx.require_http()
    session = await ctx.session()
    headers = session.headers_for(None, None)
    for label, body in (("malformed JSON", "{not json"), ("a JSON string", '"hello"'), ("an empty body", "")):
        reply = await session.send(body, request_id=None, headers=headers, raw=True)
        expect(
            reply.status is not None and 400 <= reply.status < 500, f"HTTP 4xx for {label}", reply.describe()
        )


@check(
    "http.session-id-format",
    title="Mcp-Session-Id is visible ASCII",
    clause=(
        "transports/streamable-http: the session ID MUST only contain visible ASCII characters (0x21-0x7E)"
    ),
    severity="MUST",
    versions=LEGACY_ONLY,
    transports=HTTP_ONLY,
)
async def session_id_format(ctx: CheckContext) -> None:
    ctx.require_http()
    session = await ctx.fresh_session()
    if session.session_id is None:
        raise CheckSkipped("the server issues no Mcp-Session-Id (stateless)")
    sid = session.session_id
    expect(bool(sid) and all(0x21 <= ord(c) <= 0x7E for c in sid), "visible ASCII only", repr(sid))


@check(
    "http.session-unknown-404",
    title="a request on an unknown session gets 404",
    clause=(
        "transports/streamable-http: a request with a terminated or unknown session ID MUST get 404 Not Found"
    ),
    severity="MUST",
    versions=LEGACY_ONLY,
    transports=HTTP_ONLY,
)
async def session_unknown(ctx: CheckContext) -> None:
    ctx.require_http()
    session = await ctx.session()
    if session.session_id is None:
        raise CheckSkipped("the server issues no Mcp-Session-Id (stateless)")
    _, reply = await session.request("ping", headers={"Mcp-Session-Id": "no-such-session-0000"})
    expect(reply.status == 404, "HTTP 404", reply.describe())


@check(
    "http.session-required-400",
    title="a request without the session id on a sessionful server gets 400",
    clause=(
        "transports/streamable-http: servers requiring a session SHOULD answer requests without it with 400"
    ),
    severity="SHOULD",
    versions=LEGACY_ONLY,
    transports=HTTP_ONLY,
)
async def session_required(ctx: CheckContext) -> None:
    wire = ctx.require_http()
    session = await ctx.session()
    if session.session_id is None:
        raise CheckSkipped("the server issues no Mcp-Session-Id (stateless)")
    reply = await wire.post(
        {"jsonrpc": "2.0", "id": 99, "method": "ping"}, {"MCP-Protocol-Version": LEGACY}, await_id=99
    )
    expect(reply.status == 400, "HTTP 400", reply.describe())


@check(
    "http.session-delete",
    title="DELETE ends the session; later requests on it get 404",
    clause="transports/streamable-http: after termination the server MUST answer that session ID with 404",
    severity="MUST",
    versions=LEGACY_ONLY,
    transports=HTTP_ONLY,
)
async def session_delete(ctx: CheckContext) -> None:
    wire = ctx.require_http()
    session = await ctx.fresh_session()
    if session.session_id is None:
        raise CheckSkipped("the server issues no Mcp-Session-Id (stateless)")
    deleted = await wire.exchange("DELETE", session.headers_for(None, None))
    if deleted.status == 405:
        raise CheckSkipped("the server does not let clients end sessions (405, allowed by the spec)")
    expect(deleted.status is not None and deleted.status < 300, "DELETE → 2xx", deleted.describe())
    _, after = await session.request("ping")
    expect(after.status == 404, "HTTP 404 on the deleted session", after.describe())


@check(
    "http.mcp-method-header",
    title="Mcp-Method that disagrees with the body is refused (400, -32020)",
    clause=(
        "2026-07-28 transports: a routing header that does not match the body MUST be"
        " rejected with 400 and -32020"
    ),
    severity="MUST",
    versions=MODERN_ONLY,
    transports=HTTP_ONLY,
)
async def mcp_method_header(ctx: CheckContext) -> None:
    ctx.require_http()
    session = await ctx.session()
    rid, reply = await session.request("server/discover", {}, headers={"Mcp-Method": "tools/list"})
    expect_header_mismatch(reply, rid)


@check(
    "http.mcp-name-header",
    title="Mcp-Name that disagrees with the tool name is refused (400, -32020)",
    clause=(
        "2026-07-28 transports: Mcp-Name MUST equal params.name; a mismatch MUST be"
        " rejected with 400 and -32020"
    ),
    severity="MUST",
    versions=MODERN_ONLY,
    transports=HTTP_ONLY,
)
async def mcp_name_header(ctx: CheckContext) -> None:
    ctx.require_http()
    session = await ctx.session()
    tools = await ctx.callable_tools()  # a server that ignores the header would run the call
    params = {"name": tools[0]["name"], "arguments": {}}
    rid, reply = await session.request(
        "tools/call", params, headers={"Mcp-Name": "not-" + str(tools[0]["name"])}
    )
    expect_header_mismatch(reply, rid)


def expect_header_mismatch(reply: Reply, rid: int | str) -> None:
    error = error_of(reply.response(rid))
    expect(
        reply.status == 400 and error is not None and error.get("code") == HEADER_MISMATCH,
        "HTTP 400 with error -32020 (header mismatch)",
        reply.describe(),
    )


@check(
    "http.get-endpoint",
    title="GET on the endpoint opens an SSE stream or is refused with 405",
    clause=(
        "transports/streamable-http: on GET the server MUST return text/event-stream or"
        " 405 Method Not Allowed"
    ),
    severity="MUST",
    transports=HTTP_ONLY,
)
async def get_endpoint(ctx: CheckContext) -> None:
    wire = ctx.require_http()
    session = await ctx.session()
    headers = {**session.headers_for(None, None), "Accept": "text/event-stream"}
    reply = await wire.exchange("GET", headers, stream_peek=True)
    if reply.status == 405:
        return
    expect(
        reply.status == 200 and reply.content_type.startswith("text/event-stream"),
        "200 text/event-stream, or 405",
        reply.describe(),
    )
