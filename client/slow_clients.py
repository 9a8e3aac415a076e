"""Slow and excess clients: a deadline for request headers, a connection cap, an in-flight cap.

uvicorn holds a connection whose headers never finish (or never start) for as long as the peer
likes, and its ``limit_concurrency`` answers 503 without ``Retry-After`` and counts idle keep-alive
connections as load. So the gateway is served with :class:`GuardedH11Protocol` (h11 plus a header
deadline → 408, and a connection cap → 503 + ``Retry-After``), and its app is wrapped in
:class:`InFlightCap` (requests being handled at once → 503 + ``Retry-After``). The body's own read
deadline lives with the body reader (``client.bodies``), because only the app knows when a body is
done. Both deadlines bound every connection's life, so a crowd of trickling clients cannot pin the
process; each refusal is a one-line warning, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import h11
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger(__name__)


def raw_response(status: int, reason: str, error: str, message: str, retry_after_s: int | None) -> bytes:
    """A complete ``Connection: close`` JSON problem response, written without h11's state machine."""
    body = json.dumps({"error": error, "message": message}).encode()
    head = [f"HTTP/1.1 {status} {reason}", "content-type: application/json", f"content-length: {len(body)}"]
    if retry_after_s is not None:
        head.append(f"retry-after: {retry_after_s}")
    head.append("connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request-header deadline and a cap on open connections."""

    header_timeout_s: float = 5.0
    max_connections: int = 1000
    retry_after_s: int = 1

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.header_deadline: asyncio.TimerHandle | None = None
        self.over_capacity = len(self.connections) > self.max_connections
        self.refused = False
        self.arm_header_deadline()

    def arm_header_deadline(self) -> None:
        if self.header_deadline is None:
            self.header_deadline = self.loop.call_later(self.header_timeout_s, self.on_header_timeout)

    def disarm_header_deadline(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def data_received(self, data: bytes) -> None:
        if self.over_capacity:
            self.refuse_over_capacity()
            return
        if self.conn.their_state is h11.IDLE:
            self.arm_header_deadline()  # a new request's head starts: it must finish in time
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self.disarm_header_deadline()

    def refuse_over_capacity(self) -> None:
        """Answer 503 once, then half-close so the answer is read before the connection goes."""
        if self.refused or self.transport.is_closing():
            return
        self.refused = True
        logger.warning("refused a connection: %d open (cap %d)", len(self.connections), self.max_connections)
        message = f"the gateway holds {self.max_connections} connections; retry later"
        self.transport.write(
            raw_response(503, "Service Unavailable", "overloaded", message, self.retry_after_s)
        )
        if self.transport.can_write_eof():
            self.transport.write_eof()
        else:
            self.transport.close()

    def on_header_timeout(self) -> None:
        self.header_deadline = None
        if self.transport.is_closing() or self.over_capacity:
            if not self.transport.is_closing():
                self.transport.close()
            return
        logger.info("closed a connection whose request head took over %g s", self.header_timeout_s)
        message = f"request headers not received within {self.header_timeout_s:g} s"
        self.transport.write(raw_response(408, "Request Timeout", "request_timeout", message, None))
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm_header_deadline()
        super().connection_lost(exc)


def guarded_protocol(header_timeout_s: float, max_connections: int, retry_after_s: int) -> type[H11Protocol]:
    """A :class:`GuardedH11Protocol` bound to these limits (uvicorn instantiates the class itself)."""
    limits: dict[str, Any] = {
        "header_timeout_s": header_timeout_s,
        "max_connections": max_connections,
        "retry_after_s": retry_after_s,
    }
    return type("BoundGuardedH11Protocol", (GuardedH11Protocol,), limits)


class InFlightCap:
    """At most ``limit`` requests being worked on at once; the rest get 503 + ``Retry-After`` at once.

    A request stops counting when its answer starts, so open SSE streams do not use up the cap.

    ``/healthz`` is exempt: an overloaded gateway is alive, and must not be restarted for being busy.
    """

    def __init__(self, app: ASGIApp, limit: int, retry_after_s: int) -> None:
        self.app, self.limit, self.retry_after_s = app, limit, retry_after_s
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/healthz":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            logger.warning("refused a request: %d in flight (cap %d)", self.in_flight, self.limit)
            body = json.dumps(
                {"error": "overloaded", "message": f"{self.limit} requests in flight; retry later"}
            ).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(self.retry_after_s).encode()),
            ]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        self.in_flight += 1
        holding = True

        async def send_releasing(message: Message) -> None:
            nonlocal holding
            if holding and message["type"] == "http.response.start":
                holding = False  # answered: a long SSE stream no longer counts as work in progress
                self.in_flight -= 1
            await send(message)

        try:
            await self.app(scope, receive, send_releasing)
        finally:
            if holding:
                self.in_flight -= 1


class HeaderSizeCap:
    """431 for a request head whose header lines total more than ``limit`` bytes.

    h11 bounds only a head still arriving (``h11_max_incomplete_event_size``, set to the same limit);
    a head that arrives whole in one read is measured here.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and sum(len(k) + len(v) + 4 for k, v in scope["headers"]) > self.limit:
            body = json.dumps(
                {"error": "headers_too_large", "message": f"request headers exceed {self.limit} bytes"}
            ).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 431, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
