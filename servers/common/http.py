"""Outbound HTTP with explicit timeouts: httpx phase timeouts plus a total deadline per call.

httpx has no total deadline, so :func:`get_json` wraps each call in ``anyio.fail_after`` and maps
every transport failure to the typed :mod:`servers.common.errors`.
"""

from __future__ import annotations

from typing import Any

import anyio
import httpx

from servers.common.errors import BackendBadResponse, BackendTimeout, BackendUnavailable
from servers.common.settings import HttpClientSettings


def make_http_client(
    settings: HttpClientSettings,
    base_url: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An AsyncClient whose every phase is bounded; ``transport`` lets an ASGI app stand in."""
    timeout = httpx.Timeout(
        connect=settings.connect_timeout_s,
        read=settings.read_timeout_s,
        write=settings.read_timeout_s,
        pool=settings.connect_timeout_s,
    )
    limits = httpx.Limits(
        max_connections=settings.max_connections, max_keepalive_connections=settings.max_keepalive
    )
    return httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits, transport=transport)


async def get_json(
    client: httpx.AsyncClient,
    backend: str,
    path: str,
    params: dict[str, Any],
    total_timeout_s: float,
) -> Any:
    """GET ``path`` and decode JSON, or raise a :class:`~servers.common.errors.BackendError`."""
    try:
        with anyio.fail_after(total_timeout_s):
            response = await client.get(path, params=params)
    except TimeoutError as exc:
        raise BackendTimeout(backend, f"no answer within {total_timeout_s:g} s") from exc
    except httpx.TimeoutException as exc:
        raise BackendTimeout(backend, f"timed out ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise BackendUnavailable(backend, f"unreachable ({type(exc).__name__}: {exc})") from exc
    if response.status_code >= 400:
        snippet = response.text[:200]
        raise BackendBadResponse(backend, f"HTTP {response.status_code}: {snippet}")
    try:
        return response.json()
    except ValueError as exc:
        raise BackendBadResponse(backend, "malformed JSON in response") from exc
