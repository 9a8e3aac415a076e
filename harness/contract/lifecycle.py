"""Lifecycle checks: discovery (2026-07-28), the initialize handshake (2025-11-25), version
negotiation, capabilities honoured, ping, and the error for an unsupported version."""

from __future__ import annotations

from typing import Any

from harness.contract.context import CheckContext
from harness.contract.outcomes import expect
from harness.contract.registry import BOTH, LEGACY_ONLY, MODERN_ONLY, check
from harness.contract.session import CAPABILITIES_META_KEY, LEGACY, MODERN, VERSION_META_KEY, McpSession
from harness.contract.wire import error_of, result_of

UNSUPPORTED_VERSION = -32022
KNOWN_VERSIONS = {"2024-11-05", "2025-03-26", "2025-06-18", LEGACY, MODERN}


@check(
    "lifecycle.discover",
    title="server/discover answers with versions and capabilities",
    clause="2026-07-28 lifecycle: servers MUST implement server/discover",
    severity="MUST",
    versions=MODERN_ONLY,
)
async def discover(ctx: CheckContext) -> None:
    session = await ctx.session()
    rid, reply = await session.request("server/discover", {})
    result = result_of(reply.response(rid))
    expect(result is not None, "a server/discover result", reply.describe())
    assert result is not None
    versions = result.get("supportedVersions")
    expect(
        isinstance(versions, list) and MODERN in versions,
        f"supportedVersions listing {MODERN}",
        f"supportedVersions={versions!r}",
    )
    expect(
        isinstance(result.get("capabilities"), dict),
        "a capabilities object",
        f"{result.get('capabilities')!r}",
    )


@check(
    "lifecycle.result-type",
    title="every result carries resultType",
    clause="2026-07-28 basic: every result MUST include resultType",
    severity="MUST",
    versions=MODERN_ONLY,
)
async def result_type(ctx: CheckContext) -> None:
    session = await ctx.session()
    for method in ("server/discover", "tools/list"):
        rid, reply = await session.request(method, {})
        result = result_of(reply.response(rid))
        if result is None:
            continue
        expect("resultType" in result, f"{method} result with resultType", f"keys {sorted(result)}")


@check(
    "lifecycle.meta-required",
    title="a request without _meta is rejected",
    clause="2026-07-28 basic: every request carries _meta with protocolVersion and clientCapabilities",
    severity="SHOULD",
    versions=MODERN_ONLY,
)
async def meta_required(ctx: CheckContext) -> None:
    session = await ctx.session()
    rid = session.next_id()
    body = {"jsonrpc": "2.0", "id": rid, "method": "tools/list", "params": {}}
    reply = await session.send(body, request_id=rid, headers=session.headers_for("tools/list", {}))
    response = reply.response(rid)
    expect(error_of(response) is not None, "a JSON-RPC error for a request lacking _meta", reply.describe())


@check(
    "lifecycle.unsupported-version",
    title="an unsupported protocol version gets -32022 listing the supported ones",
    clause="2026-07-28 lifecycle: unsupported version → HTTP 400, error -32022 with data.supported",
    severity="MUST",
    versions=MODERN_ONLY,
)
async def unsupported_version(ctx: CheckContext) -> None:
    session = await ctx.session()
    rid = session.next_id()
    meta = {VERSION_META_KEY: "1999-01-01", CAPABILITIES_META_KEY: {}}
    body = {"jsonrpc": "2.0", "id": rid, "method": "server/discover", "params": {"_meta": meta}}
    headers = {**session.headers_for("server/discover", {}), "MCP-Protocol-Version": "1999-01-01"}
    reply = await session.send(body, request_id=rid, headers=headers)
    error = error_of(reply.response(rid))
    expect(
        error is not None and error.get("code") == UNSUPPORTED_VERSION,
        "error -32022 (unsupported protocol version)",
        reply.describe(),
    )
    assert error is not None
    data = error.get("data")
    supported = data.get("supported") if isinstance(data, dict) else None
    expect(
        isinstance(supported, list) and bool(supported),
        "error.data.supported listing versions",
        f"data={data!r}",
    )
    if session.is_http:
        expect(reply.status == 400, "HTTP 400", reply.describe())


@check(
    "lifecycle.initialize",
    title="initialize answers with version, capabilities and serverInfo",
    clause=(
        "2025-11-25 lifecycle: the server MUST respond with its protocol version, capabilities, serverInfo"
    ),
    severity="MUST",
    versions=LEGACY_ONLY,
)
async def initialize(ctx: CheckContext) -> None:
    session = await ctx.session()
    result = session.initialize_result or {}
    expect(
        result.get("protocolVersion") == LEGACY,
        f"protocolVersion {LEGACY} echoed",
        repr(result.get("protocolVersion")),
    )
    expect(
        isinstance(result.get("capabilities"), dict),
        "a capabilities object",
        repr(result.get("capabilities")),
    )
    info = result.get("serverInfo")
    expect(isinstance(info, dict) and isinstance(info.get("name"), str), "serverInfo with a name", repr(info))


@check(
    "lifecycle.version-negotiation",
    title="an unknown requested version is answered with a version the server supports",
    clause=(
        "2025-11-25 lifecycle: if the server does not support the requested version it"
        " MUST respond with another it supports"
    ),
    severity="MUST",
    versions=LEGACY_ONLY,
)
async def version_negotiation(ctx: CheckContext) -> None:
    session = await ctx.fresh_session(opened=False)
    reply = await session.initialize("1999-01-01")
    response = reply.response(0)
    result = result_of(response)
    if result is None:
        expect(
            error_of(response) is not None, "a result offering another version, or an error", reply.describe()
        )
        return
    offered = result.get("protocolVersion")
    expect(
        offered in KNOWN_VERSIONS,
        "a protocolVersion the server supports (not the unknown one echoed back)",
        f"protocolVersion={offered!r}",
    )


@check(
    "lifecycle.capabilities-honoured",
    title="tools/list works exactly when the tools capability is declared",
    clause="lifecycle: both parties MUST only use capabilities that were negotiated",
    severity="MUST",
    versions=BOTH,
)
async def capabilities_honoured(ctx: CheckContext) -> None:
    session = await ctx.session()
    capabilities = await declared_capabilities(session)
    rid, reply = await session.request("tools/list", {})
    response = reply.response(rid)
    if "tools" in capabilities:
        expect(
            result_of(response) is not None,
            "tools/list to succeed (tools capability declared)",
            reply.describe(),
        )
    else:
        expect(error_of(response) is not None, "tools/list to fail (no tools capability)", reply.describe())


async def declared_capabilities(session: McpSession) -> dict[str, Any]:
    if session.version == LEGACY:
        return dict((session.initialize_result or {}).get("capabilities") or {})
    result = await session.call("server/discover", {})
    return dict(result.get("capabilities") or {})


@check(
    "lifecycle.ping",
    title="ping is answered with an empty result",
    clause="2025-11-25 utilities/ping: the receiver MUST respond promptly with an empty response",
    severity="MUST",
    versions=LEGACY_ONLY,
)
async def ping(ctx: CheckContext) -> None:
    session = await ctx.session()
    rid, reply = await session.request("ping")
    result = result_of(reply.response(rid))
    expect(
        result is not None and not {k for k in result if k != "_meta"}, "an empty result {}", reply.describe()
    )
