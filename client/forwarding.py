"""Forwarding one checked request to the client over a pooled httpx connection, and its answer back.

Three things here are about not lying to the caller. The URL is the gateway's canonical path, set as
raw bytes, so httpx forwards exactly what the allow-list checked. A failed send is classified: when
nothing reached the client (connect failed, a stale pooled connection refused the write, no pool
slot) it is retried once and, failing again, reported ``outcome: not_sent``; when the request was sent
and no answer came, a POST is never retried and is reported ``outcome: unknown`` (it may have been
applied: retry with the same idempotency key), while a safe method (GET/HEAD/OPTIONS) is retried once.
Pooled connections expire (``pool_idle_expiry_s``) before the client's keep-alive drops them, which
keeps the unknown case rare. Hop-by-hop headers and the client's ``date``/``server`` stay behind, so
the caller sees the gateway's own once.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
import httpx

from client.keepalive_pool import HttpAnswer, KeepAlivePool, MaybeSent, NotSent
from client.settings import GatewaySettings
from client.tls import upstream_ssl_context

REQUEST_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "host", "content-length", "authorization", "x-api-key", "origin"}
)  # fmt: skip
RESPONSE_DROPPED = REQUEST_HOP_BY_HOP | {"date", "server"}
NOT_SENT_ERRORS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class ForwardFailure(Exception):
    """The client gave no answer: ``outcome`` is ``not_sent`` (safe to retry) or ``unknown``."""

    status: int
    error: str
    outcome: str
    message: str


def open_client_pool(
    settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    """The pooled HTTP client toward the client app: mTLS when ``client_tls`` is set."""
    timeout = httpx.Timeout(
        connect=settings.connect_timeout_s, read=None, write=settings.connect_timeout_s, pool=None
    )
    limits = httpx.Limits(
        max_connections=500, max_keepalive_connections=100, keepalive_expiry=settings.pool_idle_expiry_s
    )
    tls = settings.client_tls
    verify: ssl.SSLContext | bool = upstream_ssl_context(tls) if (tls.ca_file or tls.cert_file) else True
    return httpx.AsyncClient(timeout=timeout, limits=limits, transport=transport, verify=verify)


def outgoing_url(client_url: str, path: str, query: bytes) -> httpx.URL:
    """``client_url`` with the checked ``path`` and raw ``query`` set as bytes (no re-normalisation)."""
    base = httpx.URL(client_url)
    raw_path = base.raw_path.rstrip(b"/") + path.encode("ascii") + (b"?" + query if query else b"")
    url = base.copy_with(raw_path=raw_path)
    if url.raw_path != raw_path:  # httpx changed what was checked: refuse rather than forward it
        raise ForwardFailure(400, "non_canonical_path", "not_sent", "the path cannot be forwarded as checked")
    return url


def timed_out(timeout_s: float) -> ForwardFailure:
    return ForwardFailure(504, "upstream_timeout", "unknown", f"the client did not answer in {timeout_s:g} s")


def unreachable(exc: Exception) -> ForwardFailure:
    return ForwardFailure(
        502, "upstream_unreachable", "not_sent",
        f"the client is unreachable ({type(exc).__name__}); the request was not sent",
    )  # fmt: skip


def failed(exc: Exception) -> ForwardFailure:
    return ForwardFailure(
        502, "upstream_failed", "unknown",
        f"the client closed the connection without answering ({type(exc).__name__}); the request "
        "was sent and may have been applied: retry with the same idempotency key",
    )  # fmt: skip


async def send_once_or_twice(
    http: httpx.AsyncClient, request: httpx.Request, timeout_s: float
) -> httpx.Response:
    """Send ``request`` (streaming); retry once only when that cannot apply it twice."""
    for attempt in (1, 2):
        try:
            with anyio.fail_after(timeout_s):
                return await http.send(request, stream=True)
        except TimeoutError:
            raise timed_out(timeout_s) from None
        except NOT_SENT_ERRORS as exc:
            if attempt == 2:
                raise unreachable(exc) from None
        except httpx.HTTPError as exc:
            if attempt == 2 or request.method not in SAFE_METHODS:
                raise failed(exc) from None
    raise AssertionError("unreachable")  # pragma: no cover


def open_tool_call_pool(settings: GatewaySettings) -> KeepAlivePool:
    """Kept-alive connections to the client's ``/mcp`` for ``tools/call`` POSTs (mTLS when configured):
    the answer to a call is one JSON body, so the gateway's hot path needs no streaming HTTP client
    (:mod:`client.keepalive_pool`: one write per request; httpx costs the gateway about as much CPU as
    everything else it does per call)."""
    tls = settings.client_tls
    context = upstream_ssl_context(tls) if (tls.ca_file or tls.cert_file) else None
    url = settings.client_url.rstrip("/") + "/mcp"
    return KeepAlivePool(url, context, settings.connect_timeout_s, settings.pool_idle_expiry_s)


async def post_once_or_twice(
    pool: KeepAlivePool, headers: list[tuple[str, str]], body: bytes, timeout_s: float
) -> HttpAnswer:
    """POST over ``pool``: retried once only when nothing was sent, as :func:`send_once_or_twice`."""
    for attempt in (1, 2):
        try:
            with anyio.fail_after(timeout_s):
                return await pool.post(headers, body)
        except TimeoutError:
            raise timed_out(timeout_s) from None
        except NotSent as exc:
            if attempt == 2:
                raise unreachable(exc) from None
        except MaybeSent as exc:
            raise failed(exc) from None
    raise AssertionError("unreachable")  # pragma: no cover


def response_headers(upstream: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in upstream.headers.items() if k.lower() not in RESPONSE_DROPPED}


def request_headers(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() not in REQUEST_HOP_BY_HOP]
