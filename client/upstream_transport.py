"""The HTTP transport under every upstream session: a failed POST fails its own request, saying whether
it was sent.

The SDK's Streamable HTTP transport runs each request's POST as a task of the session's task group, so
an exception from one POST (connection refused, reset, a read cut short) ends the whole session and
every other caller's request in flight on it. :class:`OutcomeReportingTransport` sits under the SDK's
HTTP client and turns such a failure into an HTTP 502 whose body is a JSON-RPC error for that request's
id — which the SDK hands to that request alone — with ``data.outcome``:

* ``not_sent`` when no connection was made (refused, TLS handshake failed, no pool slot in time):
  the server cannot have seen the request;
* ``unknown`` when the request may have been written (reset, a read failed, the peer closed early).

JSON answers are read here in full, so a body cut short is also one request's ``unknown`` rather than
an exception inside the session. Event streams pass through untouched (the SDK handles their ends).
"""

from __future__ import annotations

import json
from typing import Any

import httpx2

from client.errors import NOT_SENT, UNKNOWN, Outcome

TRANSPORT_FAILURE = (
    -32099
)  # implementation-defined server-error range: "our transport failed", not the server
NOT_SENT_ERRORS = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)


def transport_failure_outcome(data: Any) -> Outcome | None:
    """The outcome a :data:`TRANSPORT_FAILURE` error carries, if ``data`` is such an error's data."""
    if isinstance(data, dict) and data.get("outcome") in (NOT_SENT, UNKNOWN):
        return data["outcome"]  # type: ignore[no-any-return]
    return None


def copy_traceparent_to_header(request: httpx2.Request) -> None:
    """A traced call carries its ``traceparent`` in ``_meta``; the SDK session cannot set a header per
    request, so it is copied here (only bodies that mention one are decoded)."""
    try:
        content = request.content
    except httpx2.RequestNotRead:
        return
    if b'"traceparent"' not in content or "traceparent" in request.headers:
        return
    try:
        meta = json.loads(content).get("params", {}).get("_meta", {})
    except (ValueError, AttributeError):
        return
    value = meta.get("traceparent") if isinstance(meta, dict) else None
    if isinstance(value, str):
        request.headers["traceparent"] = value


class OutcomeReportingTransport(httpx2.AsyncBaseTransport):
    """Wraps the real transport; see the module docstring."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, describe: Any = None) -> None:
        self._inner = inner
        self._describe = describe or (lambda exc: f"{type(exc).__name__}: {exc}")

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.method != "POST":
            return await self._inner.handle_async_request(request)
        copy_traceparent_to_header(request)
        try:
            response = await self._inner.handle_async_request(request)
        except NOT_SENT_ERRORS as exc:
            return self._failure(request, NOT_SENT, exc)
        except httpx2.TransportError as exc:
            return self._failure(request, UNKNOWN, exc)
        if not response.headers.get("content-type", "").lower().startswith("application/json"):
            return response
        try:
            body = b"".join([chunk async for chunk in response.stream])  # type: ignore[union-attr]
        except httpx2.TransportError as exc:
            return self._failure(request, UNKNOWN, exc)
        finally:
            await response.aclose()
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx2.ByteStream(body),
            extensions=response.extensions,
        )

    def _failure(self, request: httpx2.Request, outcome: Outcome, exc: Exception) -> httpx2.Response:
        try:
            request_id = json.loads(request.content).get("id")
        except (ValueError, AttributeError, httpx2.RequestNotRead):
            request_id = None
        error = {"code": TRANSPORT_FAILURE, "message": self._describe(exc), "data": {"outcome": outcome}}
        body = json.dumps({"jsonrpc": "2.0", "id": request_id, "error": error}).encode()
        return httpx2.Response(502, headers={"content-type": "application/json"}, content=body)

    async def aclose(self) -> None:
        await self._inner.aclose()
