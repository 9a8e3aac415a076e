"""TLS toward upstreams: an ``ssl.SSLContext`` from PEM files, the SDK's httpx2 client built on it,
and turning the SDK's nested ``ExceptionGroup`` of a failed connection into one readable error.

Pooled connections expire after ``POOL_IDLE_EXPIRY_S``, below the servers' keep-alive (uvicorn: 5 s),
so a request is rarely written to a connection the server is closing at that moment (which would make
its outcome unknown).
"""

from __future__ import annotations

import ssl

import anyio
import httpx2

from client.settings import UpstreamTls
from client.upstream_transport import OutcomeReportingTransport

POOL_IDLE_EXPIRY_S = 2.0


def upstream_ssl_context(tls: UpstreamTls) -> ssl.SSLContext:
    """Trust ``ca_file`` (or the system store) and present ``cert_file``/``key_file`` when set."""
    context = ssl.create_default_context(cafile=tls.ca_file)
    if tls.cert_file:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    return context


def upstream_http_client(tls: UpstreamTls, connect_timeout_s: float) -> httpx2.AsyncClient:
    """The SDK transport's HTTP client: per-phase timeouts (reads are bounded by call deadlines), and
    failures reported per request (:class:`~client.upstream_transport.OutcomeReportingTransport`)."""
    timeout = httpx2.Timeout(connect=connect_timeout_s, read=None, write=connect_timeout_s, pool=None)
    limits = httpx2.Limits(
        max_connections=200, max_keepalive_connections=64, keepalive_expiry=POOL_IDLE_EXPIRY_S
    )
    uses_tls = bool(tls.ca_file or tls.cert_file)
    verify: ssl.SSLContext | bool = upstream_ssl_context(tls) if uses_tls else True
    over_tls = uses_tls
    transport = OutcomeReportingTransport(
        httpx2.AsyncHTTPTransport(verify=verify, limits=limits),
        describe=lambda exc: describe_failure(exc, over_tls),
    )
    return httpx2.AsyncClient(timeout=timeout, transport=transport)


def leaf_exceptions(error: BaseException) -> list[BaseException]:
    """Flatten (nested) exception groups into their leaves."""
    if isinstance(error, BaseExceptionGroup):
        leaves: list[BaseException] = []
        for inner in error.exceptions:
            leaves.extend(leaf_exceptions(inner))
        return leaves
    return [error]


def describe_failure(error: BaseException, over_tls: bool = False) -> str:
    """One line that says why connecting failed, naming TLS problems as such."""
    leaves = leaf_exceptions(error) or [error]
    chain: list[BaseException] = []
    for leaf in leaves:
        current: BaseException | None = leaf
        while current is not None and current not in chain:
            chain.append(current)
            current = current.__cause__ or current.__context__
    for item in chain:
        if isinstance(item, ssl.SSLError):
            reason = getattr(item, "reason", None) or str(item)
            return f"TLS handshake failed ({reason}); check the CA and the client certificate"
    for item in chain:
        text = str(item).lower()
        if "certificate" in text or "tlsv1 alert" in text or "ssl" in text:
            return f"TLS handshake failed ({item}); check the CA and the client certificate"
    if over_tls and any(isinstance(item, ConnectionResetError | anyio.BrokenResourceError) for item in chain):
        return (
            "connection reset right after the TLS handshake: the server refused this client's certificate "
            "(none presented, or not signed by a CA it trusts)"
        )
    first = leaves[0]
    message = str(first) or type(first).__name__
    return f"{type(first).__name__}: {message}"
