"""A loopback-only HTTP forwarder that adds ``Authorization: Bearer <key>`` to every request.

The official conformance suite (0.1.16) cannot send a header or a token in server mode: its client is
built from the URL alone. The gateway rightly answers an anonymous caller with 401, so to test the
gateway's MCP endpoint as it is deployed we put this forwarder between the suite and the gateway
instead of weakening the gateway. Everything else passes through untouched — method, path, query,
``Host``, ``Origin``, ``Mcp-Session-Id``, ``MCP-Protocol-Version``, the body — and the answer (JSON or
a long-lived SSE stream) is streamed back as it arrives, so the suite still sees the gateway's own
behaviour, status codes and headers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

# Per-connection headers (RFC 9110 §7.6.1) describe one hop and are not forwarded; content-length is
# recomputed by httpx from the body it sends.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def create_bearer_forwarder(target_base_url: str, token: str, connect_timeout_s: float = 5.0) -> Starlette:
    """An ASGI app forwarding every request to ``target_base_url`` with the bearer ``token`` added."""
    target = httpx.URL(target_base_url)
    if target.host not in LOOPBACK_HOSTS:
        raise ValueError(f"the forwarder only targets loopback addresses, not {target.host!r}")
    http: httpx.AsyncClient | None = None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal http
        # No read deadline: a GET opens an SSE stream that stays idle until the suite closes it.
        timeout = httpx.Timeout(connect=connect_timeout_s, read=None, write=connect_timeout_s, pool=None)
        async with httpx.AsyncClient(timeout=timeout) as client:
            http = client
            try:
                yield
            finally:
                http = None

    async def forward(request: Request) -> Response:
        assert http is not None
        headers = [
            (name, value)
            for name, value in request.headers.items()
            if name not in HOP_BY_HOP and name not in ("content-length", "authorization")
        ]
        headers.append(("authorization", f"Bearer {token}"))
        outgoing = http.build_request(
            request.method,
            target.copy_with(path=request.url.path, query=request.url.query.encode() or None),
            headers=headers,
            content=await request.body(),
        )
        upstream = await http.send(outgoing, stream=True)
        response_headers = [
            (name, value) for name, value in upstream.headers.multi_items() if name.lower() not in HOP_BY_HOP
        ]
        response = StreamingResponse(
            upstream.aiter_raw(), status_code=upstream.status_code, background=BackgroundTask(upstream.aclose)
        )
        # Keep repeated headers and the upstream's exact content-length (raw bytes are passed on as is).
        response.raw_headers = [
            (n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in response_headers
        ]
        return response

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)], lifespan=lifespan)
