"""The client's fast path for ``tools/call``: forward the JSON-RPC request to an HTTP upstream as bytes.

Why: the profile of the client hop (``bench/profiles/``) showed an SDK server parsing the request into
models, an SDK client re-encoding it, httpx2 sending it in two writes, and the answer decoded and
re-encoded twice more — about 1.4 ms of CPU per call for a hop that only renames a tool. Here a
2026-07-28 ``tools/call`` whose tool lives on a connected HTTP upstream that speaks 2026-07-28 is
checked with the SDK's own request checks (Host/Origin, Accept, routing headers against the body,
``Mcp-Param-*`` against the tool's schema), its tool name and ``id`` rewritten, and POSTed over a pooled
keep-alive connection (:mod:`client.keepalive_pool`); the answer's ``result`` passes through with only
its ``serverInfo`` replaced by the client's, as the SDK path does.

The call still goes through :meth:`client.dispatch.ToolDispatcher.call_route`, so its deadline,
bulkhead, retries, breaker, metrics and the not_sent/unknown taxonomy are exactly the SDK path's; an
upstream's JSON-RPC error is classified by the same function (:func:`client.upstreams.rejection`).

Everything else takes the SDK path unchanged: other methods, 2025-11-25 sessions, stdio upstreams,
upstreams not (yet) connected or speaking only 2025-11-25, ``client__find_tools``, progress tokens,
``Mcp-Param-*`` headers, and every request the checks would refuse — the SDK answers those itself, so
refusals read the same on both paths. The SDK sessions stay for discovery, listings and list-changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import count
from typing import Any

import mcp_types as types
from mcp.server.streamable_http import check_accept_headers
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from mcp.shared.inbound import (
    InboundLadderRejection,
    classify_inbound_request,
    find_duplicated_routing_header,
)
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from client.encodable import UnencodableMessage, require_encodable
from client.errors import NOT_SENT, UNKNOWN, ClientError, UpstreamUnavailable, error_result
from client.keepalive_pool import HttpAnswer, KeepAlivePool, MaybeSent, NotSent
from client.router import RoutedTool
from client.tls import POOL_IDLE_EXPIRY_S, upstream_ssl_context
from client.tracing import TRACEPARENT, traceparent_in_meta
from client.upstreams import SERVER_INFO_META, Upstream, rejection

MODERN = "2026-07-28"
CLIENT_INFO = {"name": "mcp-harness-client", "version": "0.1.0"}
FORWARDED_META = ("io.modelcontextprotocol/protocolVersion", "io.modelcontextprotocol/clientCapabilities")


@dataclass(frozen=True)
class ForwardedResult:
    """An upstream's ``result`` object, as decoded JSON, with the client's ``serverInfo``."""

    result: dict[str, Any]

    @property
    def is_error(self) -> bool:
        return self.result.get("isError") is True


@dataclass(frozen=True)
class Plan:
    """A call that may take the fast path: the caller's id, the route, arguments, ``_meta``, traceparent."""

    request_id: Any
    route: RoutedTool
    arguments: dict[str, Any]
    meta: dict[str, Any]
    traceparent: str | None


class UpstreamForwarder:
    """Sends one ``tools/call`` to one HTTP upstream over its keep-alive pool."""

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream
        settings = upstream.settings
        assert settings.url is not None
        tls = settings.tls
        context = upstream_ssl_context(tls) if (tls.ca_file or tls.cert_file) else None
        self.pool = KeepAlivePool(settings.url, context, settings.connect_timeout_s, POOL_IDLE_EXPIRY_S)
        self._ids = count(1)

    async def call(
        self, tool: str, arguments: Mapping[str, Any], meta: Mapping[str, Any], traceparent: str | None
    ) -> ForwardedResult:
        """One attempt; failures are the same typed errors as :meth:`Upstream.call_tool` raises."""
        name = self.upstream.name
        request_meta = {key: meta[key] for key in FORWARDED_META if key in meta}
        headers = [
            ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
            ("MCP-Protocol-Version", MODERN),
            ("Mcp-Method", "tools/call"),
            ("Mcp-Name", tool),
        ]
        if traceparent is not None:
            request_meta[TRACEPARENT] = traceparent
            headers.append((TRACEPARENT, traceparent))
        request_id = next(self._ids)
        params = {"name": tool, "arguments": arguments, "_meta": request_meta}
        body = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params})
        try:
            answer = await self.pool.post(headers, body.encode())
        except NotSent as exc:
            self.upstream.request_probe()
            raise UpstreamUnavailable(f"{name!r}: {exc}", upstream=name, outcome=NOT_SENT) from exc
        except MaybeSent as exc:
            self.upstream.request_probe()
            raise UpstreamUnavailable(f"{name!r}: {exc}", upstream=name, outcome=UNKNOWN) from exc
        return ForwardedResult(self._result_of(answer, request_id))

    def _result_of(self, answer: HttpAnswer, request_id: int) -> dict[str, Any]:
        name = self.upstream.name
        message = json_rpc_answer(answer, request_id)
        if message is None:
            if answer.status >= 500:  # as the SDK path: a 5xx without a JSON-RPC error is unavailability
                self.upstream.request_probe()
                raise UpstreamUnavailable(f"{name!r}: HTTP {answer.status}", upstream=name)
            raise rejection(name, MCPError(types.INTERNAL_ERROR, f"HTTP {answer.status} without an answer"))
        if "error" in message:
            error = message["error"] if isinstance(message["error"], dict) else {}
            exc = MCPError(int(error.get("code", types.INTERNAL_ERROR)), str(error.get("message", "")))
            raised = rejection(name, exc)
            if isinstance(raised, UpstreamUnavailable):
                self.upstream.request_probe()
            raise raised
        result = message.get("result")
        if not isinstance(result, dict) or not isinstance(result.get("content", []), list):
            raise UpstreamUnavailable(f"{name!r}: the answer is not a tool result", upstream=name)
        meta = result.get("_meta")
        if isinstance(meta, dict) and SERVER_INFO_META in meta:
            result["_meta"] = {**meta, SERVER_INFO_META: CLIENT_INFO}
        return result


def json_rpc_answer(answer: HttpAnswer, request_id: int) -> dict[str, Any] | None:
    """The JSON-RPC response to ``request_id`` in a JSON or event-stream answer, if there is one."""
    if answer.content_type == "application/json":
        candidates = [answer.body]
    elif answer.content_type == "text/event-stream":
        candidates = [line[5:].strip() for line in answer.body.split(b"\n") if line.startswith(b"data:")]
    else:
        return None
    for raw in reversed(candidates):
        try:
            message = json.loads(raw)
        except ValueError:
            continue
        if (
            isinstance(message, dict)
            and message.get("id") == request_id
            and ("result" in message or "error" in message)
        ):
            return message
    return None


class FastToolCalls:
    """ASGI wrapper of the SDK's ``/mcp`` app: takes the calls it can forward, hands it all others."""

    def __init__(self, inner: ASGIApp, runtime: Any, security: TransportSecuritySettings) -> None:
        self.inner = inner
        self.runtime = runtime  # client.app.ClientRuntime (imported lazily by the app)
        self.security = TransportSecurityMiddleware(security)
        self.forwarders: dict[str, UpstreamForwarder] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not self._candidate(scope):
            await self.inner(scope, receive, send)
            return
        request = Request(scope, receive)
        if await self.security.validate_request(request, is_post=True) is not None:
            await self.inner(scope, receive, send)  # the SDK writes the refusal
            return
        body, complete = await read_bounded(receive, self.runtime.settings.max_request_bytes)
        plan = self._plan(request, body) if complete else None
        if plan is None:
            await self.inner(scope, replaying(body, complete, receive), send)
            return
        await self._answer(send, plan)

    def _candidate(self, scope: Scope) -> bool:
        headers = dict(scope["headers"])
        return (
            headers.get(b"mcp-protocol-version") == MODERN.encode()
            and headers.get(b"mcp-method") == b"tools/call"
        )

    def _plan(self, request: Request, body: bytes) -> Plan | None:
        """How to forward this call, or None when it must take the SDK path."""
        has_json, _ = check_accept_headers(request)
        if not has_json or any(k.startswith("mcp-param-") for k in request.headers):
            return None
        try:
            message = json.loads(body)
        except (ValueError, RecursionError):
            return None
        if not well_formed_call(message) or find_duplicated_routing_header(request.headers.items()):
            return None
        if isinstance(
            classify_inbound_request(message, headers=dict(request.headers)), InboundLadderRejection
        ):
            return None
        params = message["params"]
        meta = params.get("_meta") or {}
        name, arguments = params["name"], params.get("arguments") or {}
        if "progressToken" in meta or name == self.runtime.find_tools_name:
            return None
        try:
            route = self.runtime.router.resolve(name)
            require_encodable(name, arguments)
        except (ClientError, UnencodableMessage):
            return None  # the SDK path answers unknown tools and bad arguments
        upstream = self.runtime.pool[route.upstream]
        if not upstream.settings.url or not upstream.connected or upstream.protocol_version != MODERN:
            return None
        incoming = traceparent_in_meta(message) or request.headers.get(TRACEPARENT)
        return Plan(message["id"], route, arguments, meta, incoming)

    async def _answer(self, send: Send, plan: Plan) -> None:
        route = plan.route
        forwarder = self.forwarders.get(route.upstream)
        if forwarder is None:
            forwarder = self.forwarders[route.upstream] = UpstreamForwarder(self.runtime.pool[route.upstream])
        arguments, meta = plan.arguments, plan.meta

        async def attempt(traceparent: str | None) -> ForwardedResult:
            return await forwarder.call(route.original_name, arguments, meta, traceparent)

        try:
            forwarded = await self.runtime.dispatcher.call_route(route, attempt, plan.traceparent)
            result: dict[str, Any] = forwarded.result
        except ClientError as exc:
            result = error_result(exc).model_dump(by_alias=True, mode="json", exclude_none=True)
            result["_meta"] = {SERVER_INFO_META: CLIENT_INFO}
        payload = json.dumps(
            {"jsonrpc": "2.0", "id": plan.request_id, "result": result}, separators=(",", ":")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def close(self) -> None:
        for forwarder in self.forwarders.values():
            forwarder.pool.close()


def well_formed_call(message: Any) -> bool:
    if (
        not isinstance(message, dict)
        or message.get("jsonrpc") != "2.0"
        or message.get("method") != "tools/call"
    ):
        return False
    request_id, params = message.get("id"), message.get("params")
    if isinstance(request_id, bool) or not isinstance(request_id, int | str) or not isinstance(params, dict):
        return False
    meta = params.get("_meta")
    return (
        isinstance(params.get("name"), str)
        and isinstance(params.get("arguments", {}), dict | None)
        and isinstance(meta, dict)
        and set(params) <= {"name", "arguments", "_meta"}
    )


async def read_bounded(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """What the body holds up to ``limit`` bytes, and whether that is all of it (the SDK refuses the rest)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        size += len(chunk)
        chunks.append(chunk)
        if size > limit:
            return b"".join(chunks), False
        if not message.get("more_body", False):
            return b"".join(chunks), True


def replaying(body: bytes, complete: bool, receive: Receive) -> Receive:
    """A ``receive`` that yields the already-read ``body`` first, then defers to the real one."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": not complete}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay
