"""The public gateway in front of the client: authenticate, authorise, limit, then forward.

Order for every request except ``/healthz``: Origin check (403) → credentials (401 with
``WWW-Authenticate``) → rate limit per caller (429 with ``Retry-After``) → body read with a size bound
(413) → tool allow-list on ``tools/call`` bodies and REST call paths (403) → forward to the client with
httpx, streaming the answer back (JSON or SSE; ``Mcp-Session-Id``, ``MCP-Protocol-Version``,
``Mcp-Method``, ``Mcp-Name`` pass through). The client must send response headers within
``upstream_timeout_s`` (504), and be reachable (502). A caller with an allow-list never sees other tools:
``tools/list`` answers and the REST listings are filtered. Every response carries ``X-Request-Id``.

``/metrics`` (Prometheus, a registry per app) counts requests by route kind and status class, 401s and
429s, and times the client's answers; it appends the client's own series, since only the gateway is
public. It needs credentials unless ``metrics_public`` is set, and is never rate limited.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from client.allowlist import called_tools, filter_body, jsonrpc_messages
from client.auth import Authenticator, Principal, Unauthorized
from client.bodies import BodyTooLarge, read_limited_body
from client.metrics import GatewayMetrics
from client.ratelimit import RateLimiter, open_storage
from client.settings import GatewaySettings

logger = logging.getLogger(__name__)
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "host", "content-length", "authorization", "x-api-key", "origin"}
)  # fmt: skip
LOOPBACK_ORIGIN = re.compile(r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$")
REST_CALL = re.compile(r"^/v1/tools/(?P<name>[^/]+)/call$")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
FORBIDDEN_TOOL = -32003


class RequestIdMiddleware:
    """Propagate a well-formed ``X-Request-Id`` or generate one; echo it on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


def route_kind(path: str) -> str:
    """The label traffic is counted under: the MCP endpoint, the REST API, or anything else."""
    if path == "/mcp":
        return "mcp"
    return "rest" if path.startswith("/v1/") else "other"


def problem(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


class GatewayRuntime:
    """What the gateway holds while it runs: settings, the verifier, the limiter, the HTTP client."""

    def __init__(self, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None) -> None:
        self.settings = settings
        self.authenticator = Authenticator(settings.api_keys, settings.jwt)
        self.transport = transport
        self.limiter: RateLimiter | None = None
        self.http: httpx.AsyncClient | None = None
        self.metrics = GatewayMetrics()

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
        principal = self.admit(request)
        if isinstance(principal, Response):
            return principal
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
        try:
            body = await read_limited_body(request, self.settings.max_request_bytes)
        except BodyTooLarge as exc:
            return problem(413, "body_too_large", str(exc))
        path = request.url.path
        messages = jsonrpc_messages(body) if path == "/mcp" and request.method == "POST" else []
        denied = self.denied_tool(request, principal, messages)
        if denied is not None:
            return self.forbidden_tool(denied, messages)
        filtering = principal.allowed_tools is not None and (
            any(m.get("method") == "tools/list" for m in messages)
            or (request.method == "GET" and path in ("/v1/tools", "/v1/tools/search"))
        )
        return await self.forward(request, body, principal if filtering else None)

    def denied_tool(
        self, request: Request, principal: Principal, messages: list[dict[str, Any]]
    ) -> str | None:
        names = called_tools(request, messages)
        match = REST_CALL.match(request.url.path)
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

    async def forward(self, request: Request, body: bytes, filter_for: Principal | None) -> Response:
        assert self.http is not None
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        headers.append(("x-request-id", request.state.request_id))
        if request.client is not None:
            headers.append(("x-forwarded-for", request.client.host))
        outgoing = self.http.build_request(
            request.method,
            self.settings.client_url.rstrip("/") + request.url.path,
            params=request.url.query or None,
            headers=headers,
            content=body,
        )
        kind, started = route_kind(request.url.path), time.perf_counter()
        try:
            with anyio.fail_after(self.settings.upstream_timeout_s):
                upstream = await self.http.send(outgoing, stream=True)
        except TimeoutError:
            return problem(
                504,
                "upstream_timeout",
                f"the client did not answer in {self.settings.upstream_timeout_s:g} s",
            )
        except httpx.HTTPError as exc:
            return problem(502, "upstream_unreachable", f"the client is unreachable ({type(exc).__name__})")
        response_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
        if filter_for is not None:
            try:
                with anyio.fail_after(self.settings.upstream_timeout_s):
                    raw = await upstream.aread()
            except (TimeoutError, httpx.HTTPError):
                await upstream.aclose()
                return problem(504, "upstream_timeout", "the client did not finish its answer in time")
            await upstream.aclose()
            self.metrics.upstream_latency.labels(kind).observe(time.perf_counter() - started)
            content_type = upstream.headers.get("content-type", "")
            filtered = filter_body(raw, content_type, filter_for)
            response_headers.pop("content-encoding", None)
            return Response(filtered, status_code=upstream.status_code, headers=response_headers)
        if not upstream.headers.get("content-type", "").startswith("text/event-stream"):
            # A JSON answer is small and complete: read it whole (cheaper than chunked streaming),
            # as raw bytes so Content-Encoding and Content-Length stay true.
            try:
                with anyio.fail_after(self.settings.upstream_timeout_s):
                    raw = b"".join([chunk async for chunk in upstream.aiter_raw()])
            except (TimeoutError, httpx.HTTPError):
                return problem(504, "upstream_timeout", "the client did not finish its answer in time")
            finally:
                await upstream.aclose()
            self.metrics.upstream_latency.labels(kind).observe(time.perf_counter() - started)
            return Response(raw, status_code=upstream.status_code, headers=response_headers)
        self.metrics.upstream_latency.labels(kind).observe(time.perf_counter() - started)
        return StreamingResponse(
            upstream.aiter_raw(),
            status_code=upstream.status_code,
            headers=response_headers,
            background=BackgroundTask(upstream.aclose),
        )

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
        storage = open_storage(settings.rate_limit_storage)
        runtime.limiter = RateLimiter(settings.rate_limit, storage)
        timeout = httpx.Timeout(
            connect=settings.connect_timeout_s, read=None, write=settings.connect_timeout_s, pool=None
        )
        limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
        async with httpx.AsyncClient(timeout=timeout, limits=limits, transport=transport) as http:
            runtime.http = http
            try:
                yield
            finally:
                runtime.http = None

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
        try:
            response = await runtime.handle(request)
        except Exception:  # the boundary: whatever went wrong, the caller gets a clear answer, not a 500 page
            logger.exception("gateway failed to forward %s %s", request.method, request.url.path)
            response = problem(502, "gateway_error", "the gateway could not forward this request")
        runtime.metrics.observe_response(route_kind(request.url.path), response.status_code)
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
    app.add_middleware(RequestIdMiddleware)
    app.state.runtime = runtime
    return app
