"""The client's ASGI app: the aggregated MCP endpoint, a small REST API, health and metrics.

* ``/mcp`` — Streamable HTTP (2026-07-28 stateless and 2025-11-25 sessions, JSON responses) served by
  the SDK's low-level ``Server``, whose tool list is the router's (raw upstream input schemas), plus
  ``client__find_tools``.
* ``GET /v1/tools`` · ``POST /v1/tools/{name}/call`` (JSON object body = arguments) ·
  ``GET /v1/tools/search?q=&limit=``
* ``/healthz`` (the process lives) · ``/readyz`` (every required upstream connected) · ``/metrics``.

:func:`create_client_app` wires the parts from :class:`~client.settings.ClientSettings`; the upstream
supervisors run in the app's lifespan. Errors become statuses/``isError`` results only here.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.server import Server
from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from client.agent_routes import agent_routes
from client.bodies import BodyNotJsonObject, BodyTooLarge, parse_json_object, read_limited_body
from client.dispatch import ToolDispatcher
from client.encodable import require_encodable
from client.errors import (
    ClientError,
    InvalidArguments,
    ToolCollision,
    ToolNotFound,
    error_body,
    error_result,
    protocol_error,
    retry_after_header,
)
from client.fast_forward import FastToolCalls
from client.metrics import ClientMetrics
from client.resilience import Clock
from client.router import RoutedTool, ToolRouter
from client.selection import Ranker, ToolSelector
from client.settings import ClientSettings
from client.tracing import TRACEPARENT, Tracing
from client.upstreams import UpstreamPool

FIND_TOOLS = "find_tools"


@dataclass
class ClientRuntime:
    """Everything one client app owns; reachable as ``app.state.runtime`` (tests, the launcher)."""

    settings: ClientSettings
    pool: UpstreamPool
    router: ToolRouter
    dispatcher: ToolDispatcher
    selector: ToolSelector
    metrics: ClientMetrics

    @property
    def find_tools_name(self) -> str:
        return f"client{self.settings.separator}{FIND_TOOLS}"

    def find_tools_tool(self) -> types.Tool:
        return types.Tool(
            name=self.find_tools_name,
            description="Find the tools best suited to a task described in plain language; "
            "returns tool names ranked by relevance.",
            input_schema={
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "What you want to do."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 50, "description": "How many."},
                },
                "required": ["query"],
            },
            annotations=types.ToolAnnotations(
                read_only_hint=True, idempotent_hint=True, open_world_hint=False
            ),
        )

    async def search(self, query: str, limit: int | None = None) -> list[dict[str, Any]]:
        found = await self.selector.find(query, self.router.tools(), limit or self.settings.search_limit)
        return [{"name": s.name, "score": s.score, "description": s.description} for s in found]

    async def call(
        self, name: str, arguments: dict[str, Any], traceparent: str | None = None
    ) -> types.CallToolResult:
        require_encodable(name, arguments)  # before anything is routed: see client.encodable
        if name == self.find_tools_name:
            return await self._call_find_tools(arguments)
        return await self.dispatcher.call(name, arguments, traceparent)

    async def _call_find_tools(self, arguments: dict[str, Any]) -> types.CallToolResult:
        query = arguments.get("query")
        limit = arguments.get("limit")
        if not isinstance(query, str) or not query.strip():
            return tool_error("invalid_arguments: 'query' must be a non-empty string")
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
            return tool_error("invalid_arguments: 'limit' must be a positive integer")
        results = await self.search(query, limit)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=json.dumps(results))],
            structured_content={"results": results},
        )


def caller_traceparent(ctx: ServerRequestContext[Any]) -> str | None:
    """The caller's trace: ``_meta.traceparent`` (2026-07-28), else the HTTP header."""
    meta = ctx.meta or {}
    value = meta.get(TRACEPARENT)
    if isinstance(value, str):
        return value
    request = ctx.request
    headers = getattr(request, "headers", None)
    return headers.get(TRACEPARENT) if headers is not None else None


def tool_error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def tool_view(route: RoutedTool) -> dict[str, Any]:
    view = route.tool.model_dump(by_alias=True, mode="json", exclude_none=True)
    view.update({"upstream": route.upstream, "originalName": route.original_name})
    return view


def build_mcp_server(runtime: ClientRuntime) -> Server[Any]:
    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        tools = [route.tool for route in runtime.router.tools()]
        return types.ListToolsResult(tools=[*tools, runtime.find_tools_tool()])

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        try:
            return await runtime.call(params.name, dict(params.arguments or {}), caller_traceparent(ctx))
        except (ToolNotFound, InvalidArguments) as exc:
            # The spec makes an unknown tool or bad arguments a protocol error, not a tool result.
            raise protocol_error(exc) from exc
        except ClientError as exc:
            return error_result(exc)

    def input_schema(name: str) -> dict[str, Any] | None:
        if name == runtime.find_tools_name:
            return dict(runtime.find_tools_tool().input_schema)
        try:
            return dict(runtime.router.resolve(name).tool.input_schema)
        except ClientError:
            return None

    return Server(
        "mcp-harness-client",
        version="0.1.0",
        instructions="Tools of several MCP servers, named <server>__<tool>; client__find_tools ranks them.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        get_tool_input_schema=input_schema,
    )


def client_error_response(exc: ClientError) -> JSONResponse:
    return JSONResponse(error_body(exc), status_code=exc.status, headers=retry_after_header(exc))


def build_rest_routes(runtime: ClientRuntime) -> list[Route]:
    async def list_tools(request: Request) -> Response:
        return JSONResponse(
            {
                "tools": [tool_view(r) for r in runtime.router.tools()],
                "collisions": [c.describe() for c in runtime.router.collisions],
            }
        )

    async def call_tool(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            body = await read_limited_body(request, runtime.settings.max_request_bytes)
            arguments = parse_json_object(body)
            result = await runtime.call(name, arguments, request.headers.get(TRACEPARENT))
        except BodyTooLarge as exc:
            return JSONResponse({"error": "body_too_large", "message": str(exc)}, status_code=413)
        except BodyNotJsonObject as exc:
            return JSONResponse({"error": "invalid_body", "message": str(exc)}, status_code=400)
        except ClientError as exc:
            return client_error_response(exc)
        return JSONResponse(result.model_dump(by_alias=True, mode="json", exclude_none=True))

    async def search(request: Request) -> Response:
        query = request.query_params.get("q", "")
        raw_limit = request.query_params.get("limit")
        try:
            limit = int(raw_limit) if raw_limit is not None else None
            if limit is not None and limit < 1:
                raise ValueError
        except ValueError:
            return JSONResponse(
                {"error": "invalid_query", "message": "limit must be a positive integer"}, 400
            )
        if not query.strip():
            return JSONResponse({"error": "invalid_query", "message": "q must not be empty"}, status_code=400)
        return JSONResponse({"query": query, "results": await runtime.search(query, limit)})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        upstreams = {
            name: {
                "connected": u.connected,
                "required": u.settings.required,
                "tools": len(u.tools),
                "protocol": u.protocol_version,
                "error": u.last_error,
            }
            for name, u in runtime.pool.upstreams.items()
        }
        ready = runtime.pool.ready()
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "upstreams": upstreams},
            status_code=200 if ready else 503,
        )

    async def metrics(request: Request) -> Response:
        return Response(runtime.metrics.render(), media_type=runtime.metrics.content_type)

    return [
        Route("/v1/tools", list_tools, methods=["GET"]),
        Route("/v1/tools/search", search, methods=["GET"]),
        Route("/v1/tools/{name}/call", call_tool, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]


def create_client_app(
    settings: ClientSettings,
    *,
    ranker: Ranker | None = None,
    clock: Clock = time.monotonic,
    seed: int | None = None,
) -> Starlette:
    """The client as an ASGI app with a lifespan (servable with ``serve_asgi``)."""
    router = ToolRouter(settings.separator, settings.collision_policy)
    pool = UpstreamPool(settings, lambda: router.rebuild(pool.listings()), seed=seed)
    metrics = ClientMetrics()
    dispatcher = ToolDispatcher(settings, router, pool, metrics, clock, Tracing.for_service("client"))
    metrics.sample_upstreams(dispatcher.upstream_samples)
    runtime = ClientRuntime(settings, pool, router, dispatcher, ToolSelector(ranker), metrics)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(settings.allowed_hosts),
        allowed_origins=list(settings.allowed_origins),
    )
    manager = StreamableHTTPSessionManager(
        app=build_mcp_server(runtime),
        json_response=True,
        stateless=False,
        max_request_body_size=settings.max_request_bytes,
        security_settings=security,
    )
    mcp_app: Any = StreamableHTTPASGIApp(manager)
    fast = FastToolCalls(mcp_app, runtime, security) if settings.fast_path else None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        refused: ToolCollision | None = None
        async with pool.running():
            router.rebuild(pool.listings())
            try:
                router.check_collisions()
            except ToolCollision as exc:
                refused = exc  # raised below, outside the supervisors' task group, as itself
            else:
                async with manager.run():
                    try:
                        yield
                    finally:
                        if fast is not None:
                            fast.close()
        if refused is not None:
            raise refused

    routes: list[Route] = [Route("/mcp", fast or mcp_app), *build_rest_routes(runtime)]
    routes += agent_routes(runtime)
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.fast = fast
    return app
