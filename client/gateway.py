"""The public gateway in front of the client: authenticate, authorise, limit, then forward.

Order for every request except ``/healthz``: canonical path (400, ``client.paths``) → Origin check (403)
→ credentials (401 with ``WWW-Authenticate``) → rate limit per caller (429 with ``Retry-After``) → body
read with a size bound and a deadline (413, 408) → body sanity: UTF-8, nesting depth, lone surrogates,
duplicate JSON-RPC keys (400, ``client.json_guard``) → tool allow-list on ``tools/call`` bodies and REST
call paths (403) → forward to the client (``client.forwarding``), streaming the answer back (JSON or
SSE; ``Mcp-Session-Id``, ``MCP-Protocol-Version``, ``Mcp-Method``, ``Mcp-Name`` pass through). A single
``tools/call`` POST — the hot path — goes over a kept-alive pool instead (``client.keepalive_pool``: its
answer is one JSON body, passed on whole; httpx cost the gateway as much CPU as everything else it does). The
client must send response headers within ``upstream_timeout_s`` (504), and be reachable (502, saying
whether the request was sent). A caller with an allow-list never sees other tools: ``tools/list``
answers and the REST listings are filtered. Every response carries ``X-Request-Id``. Slow and excess
connections are refused by the server protocol and a cap on requests in flight (``client.slow_clients``).

``/metrics`` (Prometheus, a registry per app) counts requests by route kind and status class, 401s and
429s, and times the client's answers; it appends the client's own series, since only the gateway is
public. It needs credentials unless ``metrics_public`` is set, and is never rate limited.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from client.allowlist import called_tools, filter_body
from client.auth import Authenticator, Principal, Unauthorized
from client.bodies import BodyTimeout, BodyTooLarge, CallerGone, read_body_in_time
from client.caller_tools import with_caller_tools
from client.forwarding import (
    RESPONSE_DROPPED,
    ForwardFailure,
    open_client_pool,
    open_tool_call_pool,
    outgoing_url,
    post_once_or_twice,
    request_headers,
    response_headers,
    send_once_or_twice,
)
from client.json_guard import BadJsonBody, check_body, jsonrpc_messages
from client.keepalive_pool import KeepAlivePool
from client.metrics import GatewayMetrics
from client.paths import CanonicalPathGuard
from client.ratelimit import MemoryRateLimiter, RateLimiter, open_rate_limiter
from client.request_ids import RequestIdMiddleware
from client.settings import GatewaySettings
from client.slow_clients import HeaderSizeCap, InFlightCap, guarded_protocol
from client.tracing import TRACEPARENT, HopSpan, Tracing

logger = logging.getLogger(__name__)
LOOPBACK_ORIGIN = re.compile(r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$")
REST_CALL = re.compile(r"^/v1/tools/(?P<name>[^/]+)/call$")
FORBIDDEN_TOOL = -32003


def is_one_tool_call(request: Request, messages: list[dict[str, Any]]) -> bool:
    """One ``tools/call`` request posted without a query string: its answer is a single JSON body."""
    return (
        request.method == "POST"
        and len(messages) == 1
        and messages[0].get("method") == "tools/call"
        and not request.scope.get("query_string")
    )


def route_kind(path: str) -> str:
    """The label traffic is counted under: the MCP endpoint, the REST API, or anything else."""
    if path == "/mcp":
        return "mcp"
    return "rest" if path.startswith("/v1/") else "other"


REFUSALS = (BodyTooLarge, BodyTimeout, CallerGone, BadJsonBody, ForwardFailure)


def refusal_response(request: Request, exc: Exception) -> Response:
    """The one place a typed refusal becomes an HTTP answer (JSON-RPC on ``/mcp`` for bad bodies)."""
    if isinstance(exc, BodyTooLarge):
        return problem(413, "body_too_large", str(exc))
    if isinstance(exc, BodyTimeout):
        logger.info(
            "request body too slow: %s %s from %s", request.method, request.url.path, client_host(request)
        )
        return problem(408, "request_timeout", str(exc), {"Connection": "close"})
    if isinstance(exc, CallerGone):
        logger.info(
            "caller hung up mid-request: %s %s from %s",
            request.method,
            request.url.path,
            client_host(request),
        )
        return problem(499, "caller_gone", "the caller closed the connection")
    if isinstance(exc, BadJsonBody):
        if request.url.path == "/mcp":
            error = {"code": exc.code, "message": str(exc)}
            return JSONResponse({"jsonrpc": "2.0", "id": None, "error": error}, status_code=400)
        return problem(400, "bad_body", str(exc))
    assert isinstance(exc, ForwardFailure)
    body = {"error": exc.error, "message": exc.message, "outcome": exc.outcome}
    return JSONResponse(body, status_code=exc.status)


def client_host(request: Request) -> str:
    return request.client.host if request.client else "?"


def problem(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


class GatewayRuntime:
    """What the gateway holds while it runs: settings, the verifier, the limiter, the HTTP client."""

    def __init__(self, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None) -> None:
        self.settings = settings
        self.authenticator = Authenticator(settings.api_keys, settings.jwt)
        self.transport = transport
        self.limiter: RateLimiter | MemoryRateLimiter | None = None
        self.http: httpx.AsyncClient | None = None
        self.tool_calls: KeepAlivePool | None = None  # tools/call POSTs (none when a transport is injected)
        self.metrics = GatewayMetrics()
        self.tracing = Tracing.for_service("gateway")

    def origin_allowed(self, origin: str | None) -> bool:
        return (
            origin is None or bool(LOOPBACK_ORIGIN.match(origin)) or origin in self.settings.allowed_origins
        )

    def admit(self, request: Request) -> Principal | Response:
        """The caller, or the refusal to send: a foreign origin (403) or bad credentials (401)."""
        if not self.origin_allowed(request.headers.get("origin")):
            return problem(403, "origin_forbidden", f"origin {request.headers['origin']!r} is not allowed")
        try:
            return self.authenticator.authenticate(request.headers)
        except Unauthorized as exc:
            self.metrics.auth_failures.inc()
            return problem(401, "unauthorized", str(exc), {"WWW-Authenticate": 'Bearer realm="mcp-harness"'})

    async def handle(self, request: Request) -> Response:
        """Admit, limit, check and forward; typed refusals are mapped by :func:`refusal_response`."""
        path: str = request.scope["path"]  # canonical: CanonicalPathGuard refused every other spelling
        principal = self.admit(request)
        if isinstance(principal, Response):
            return principal
        request.state.principal = principal  # forward() tells the client this caller's allow-list
        assert self.limiter is not None
        decision = await self.limiter.hit(principal.identity, principal.rate_limit)
        if not decision.allowed:
            self.metrics.rate_limited.inc()
            return problem(
                429,
                "rate_limited",
                f"more than {decision.limit} requests in the window",
                {"Retry-After": str(decision.retry_after_s), "X-RateLimit-Limit": str(decision.limit)},
            )
        if request.headers.get("content-encoding", "identity").strip().lower() != "identity":
            return problem(415, "unsupported_content_encoding", "request bodies must not be content-encoded")
        settings = self.settings
        body = await read_body_in_time(request, settings.max_request_bytes, settings.body_timeout_s)
        check_body(body, settings.max_json_depth)
        messages = jsonrpc_messages(body) if path == "/mcp" and request.method == "POST" else []
        span: HopSpan | None = request.state.span
        if span is not None:
            span.set("mcp.tool", ",".join(dict.fromkeys(called_tools(request, messages))))
        denied = self.denied_tool(request, path, principal, messages)
        if denied is not None:
            return self.forbidden_tool(denied, messages)
        if self.tool_calls is not None and path == "/mcp" and is_one_tool_call(request, messages):
            return await self.forward_tool_call(request, body)
        filtering = principal.allowed_tools is not None and (
            any(m.get("method") == "tools/list" for m in messages)
            or (request.method == "GET" and path in ("/v1/tools", "/v1/tools/search"))
        )
        return await self.forward(request, path, body, principal if filtering else None)

    def denied_tool(
        self, request: Request, path: str, principal: Principal, messages: list[dict[str, Any]]
    ) -> str | None:
        names = called_tools(request, messages)
        match = REST_CALL.match(path)
        if match:
            names.append(match["name"])
        return next((name for name in names if not principal.may_call(name)), None)

    def forbidden_tool(self, name: str, messages: list[dict[str, Any]]) -> Response:
        text = f"this credential may not call tool {name!r}"
        if messages:
            ids = [m.get("id") for m in messages if m.get("method") == "tools/call"]
            body = {
                "jsonrpc": "2.0",
                "id": ids[0] if ids else None,
                "error": {"code": FORBIDDEN_TOOL, "message": text},
            }
            return JSONResponse(body, status_code=403)
        return problem(403, "tool_forbidden", text)

    def outgoing_headers(self, request: Request) -> list[tuple[str, str]]:
        headers = with_caller_tools(request_headers(request.headers.items()), request.state.principal)
        headers.append(("x-request-id", request.state.request_id))
        span: HopSpan | None = request.state.span
        if span is not None:  # the client continues our span, not the caller's
            headers = [(k, v) for k, v in headers if k.lower() != TRACEPARENT]
            headers.append((TRACEPARENT, span.traceparent))
        if request.client is not None:
            headers.append(("x-forwarded-for", request.client.host))
        return headers

    async def forward_tool_call(self, request: Request, body: bytes) -> Response:
        """A ``tools/call`` POST over the kept-alive pool: its answer is one JSON body, passed on as is."""
        assert self.tool_calls is not None
        started = time.perf_counter()
        answer = await post_once_or_twice(
            self.tool_calls, self.outgoing_headers(request), body, self.settings.upstream_timeout_s
        )
        self.metrics.upstream_latency.labels("mcp").observe(time.perf_counter() - started)
        headers = {k: v for k, v in answer.headers.items() if k not in RESPONSE_DROPPED}
        return Response(answer.body, status_code=answer.status, headers=headers)

    async def forward(
        self, request: Request, path: str, body: bytes, filter_for: Principal | None
    ) -> Response:
        assert self.http is not None
        headers = self.outgoing_headers(request)
        url = outgoing_url(self.settings.client_url, path, request.scope.get("query_string", b""))
        outgoing = self.http.build_request(request.method, url, headers=headers, content=body)
        kind, started = route_kind(path), time.perf_counter()
        upstream = await send_once_or_twice(self.http, outgoing, self.settings.upstream_timeout_s)
        answer_headers = response_headers(upstream)
        streaming = upstream.headers.get("content-type", "").startswith("text/event-stream")
        if filter_for is None and streaming:
            self.metrics.upstream_latency.labels(kind).observe(time.perf_counter() - started)
            return StreamingResponse(
                upstream.aiter_raw(),
                status_code=upstream.status_code,
                headers=answer_headers,
                background=BackgroundTask(upstream.aclose),
            )
        # A JSON answer is small and complete: read it whole (cheaper than chunked streaming), as raw
        # bytes so Content-Encoding and Content-Length stay true; a filtered one is decoded and rewritten.
        try:
            with anyio.fail_after(self.settings.upstream_timeout_s):
                raw = (
                    await upstream.aread()
                    if filter_for
                    else b"".join([c async for c in upstream.aiter_raw()])
                )
        except (TimeoutError, httpx.HTTPError):
            return problem(504, "upstream_timeout", "the client did not finish its answer in time")
        finally:
            await upstream.aclose()
        self.metrics.upstream_latency.labels(kind).observe(time.perf_counter() - started)
        if filter_for is not None:
            raw = filter_body(raw, upstream.headers.get("content-type", ""), filter_for)
            answer_headers.pop("content-encoding", None)
        return Response(raw, status_code=upstream.status_code, headers=answer_headers)

    async def client_metrics(self) -> bytes:
        """The client's series, appended to ours: the client is internal, so scrapes reach it through us."""
        assert self.http is not None
        try:
            with anyio.fail_after(self.settings.upstream_timeout_s):
                response = await self.http.get(self.settings.client_url.rstrip("/") + "/metrics")
        except (TimeoutError, httpx.HTTPError) as exc:
            return f"# client metrics unavailable: {type(exc).__name__}\n".encode()
        if response.status_code != 200:
            return f"# client metrics unavailable: HTTP {response.status_code}\n".encode()
        return response.content


def create_gateway_app(
    settings: GatewaySettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> Starlette:
    """The gateway as an ASGI app with a lifespan (servable with ``serve_asgi``)."""
    runtime = GatewayRuntime(settings, transport)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime.limiter = open_rate_limiter(settings.rate_limit, settings.rate_limit_storage)
        async with open_client_pool(settings, transport) as http:
            runtime.http = http
            runtime.tool_calls = open_tool_call_pool(settings) if transport is None else None
            try:
                yield
            finally:
                runtime.http = None
                if runtime.tool_calls is not None:
                    runtime.tool_calls.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def metrics(request: Request) -> Response:
        if not settings.metrics_public:
            refusal = runtime.admit(request)
            if isinstance(refusal, Response):
                return refusal
        body = runtime.metrics.render() + await runtime.client_metrics()
        return Response(body, media_type=runtime.metrics.content_type)

    async def forward(request: Request) -> Response:
        kind = route_kind(request.url.path)
        with runtime.tracing.hop("gateway", request.headers.get(TRACEPARENT), {"mcp.route": kind}) as span:
            request.state.span = span
            try:
                response = await runtime.handle(request)
            except REFUSALS as exc:
                response = refusal_response(request, exc)
            except (
                Exception
            ):  # the boundary: whatever went wrong, the caller gets a clear answer, not a 500 page
                logger.exception("gateway failed to forward %s %s", request.method, request.url.path)
                response = problem(502, "gateway_error", "the gateway could not forward this request")
            if span is not None:
                span.outcome("ok" if response.status_code < 400 else f"http_{response.status_code}")
        runtime.metrics.observe_response(kind, response.status_code)
        return response

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/{path:path}", forward, methods=methods),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(
        InFlightCap, limit=settings.max_in_flight, retry_after_s=settings.overload_retry_after_s
    )
    app.add_middleware(CanonicalPathGuard)
    app.add_middleware(HeaderSizeCap, limit=settings.max_header_bytes)
    app.add_middleware(RequestIdMiddleware)
    app.state.runtime = runtime
    app.state.uvicorn_options = {
        "http": guarded_protocol(
            settings.header_timeout_s, settings.max_connections, settings.overload_retry_after_s
        )
    }
    return app
