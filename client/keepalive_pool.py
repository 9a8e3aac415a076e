"""A small HTTP/1.1 client for the hot path: POSTs over pooled keep-alive connections, one write per request.

Why not httpx: a profile of the client hop (``bench/profiles/``) put a third of its CPU in the SDK's
httpx2/httpcore2 stack and in *two* socket writes per request (headers, then body) — on loopback each
``send`` pays for delivering the segment too. Here a request is one pre-joined buffer written once, and
an answer is read with ``asyncio`` streams (status line, headers, a ``Content-Length`` or chunked body);
the pool keeps idle connections per origin and drops them after ``idle_expiry_s``, below the servers'
keep-alive (uvicorn: 5 s). The services run on asyncio (uvicorn), so asyncio streams are used directly.

What became of a failed request is classified like everywhere else (:mod:`client.errors`):
:class:`NotSent` when no byte left (connect or TLS failed; a pooled connection the peer had already
closed is discarded and another taken, which is not a failure at all), :class:`MaybeSent` once the
request was written and no complete answer came. A connection is returned to the pool only after a
complete answer; a cancelled exchange (a deadline) closes it.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_HEAD_BYTES = 64 * 1024


class NotSent(Exception):
    """Nothing was written: the server cannot have seen the request."""


class MaybeSent(Exception):
    """The request was (perhaps partly) written and no complete answer came."""


@dataclass(frozen=True)
class Origin:
    host: str
    port: int
    tls: bool
    authority: str
    path: str

    @classmethod
    def of(cls, url: str) -> Origin:
        parts = urlsplit(url)
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        return cls(parts.hostname or "127.0.0.1", port, tls, parts.netloc, parts.path or "/")


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]  # names lower-cased; a repeated header keeps its last value
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = field(default_factory=time.monotonic)

    def usable(self, now: float, idle_expiry_s: float) -> bool:
        return (
            now - self.idle_since < idle_expiry_s
            and not self.reader.at_eof()
            and not self.writer.transport.is_closing()
        )

    def close(self) -> None:
        self.writer.transport.abort()


class KeepAlivePool:
    """Idle connections to one origin (``http(s)://host:port``), reused in LIFO order."""

    def __init__(
        self,
        url: str,
        ssl_context: ssl.SSLContext | None,
        connect_timeout_s: float,
        idle_expiry_s: float = 2.0,
        max_idle: int = 64,
    ) -> None:
        self.origin = Origin.of(url)
        self.ssl_context = ssl_context if self.origin.tls else None
        self.connect_timeout_s = connect_timeout_s
        self.idle_expiry_s = idle_expiry_s
        self.max_idle = max_idle
        self._idle: deque[_Connection] = deque()
        self.opened = 0  # connections made: a test reads it to see reuse

    async def post(self, headers: list[tuple[str, str]], body: bytes) -> HttpAnswer:
        """POST ``body`` to the origin's path with ``headers`` (Host and Content-Length are added)."""
        head = [f"POST {self.origin.path} HTTP/1.1\r\nHost: {self.origin.authority}\r\n"]
        head += [f"{name}: {value}\r\n" for name, value in headers]
        head.append(f"Content-Length: {len(body)}\r\n\r\n")
        request = "".join(head).encode("latin-1") + body
        connection = await self._checkout()
        try:
            connection.writer.write(request)
            answer = await self._read_answer(connection.reader)
        except BaseException:
            connection.close()  # unknown state (cancelled, half-read): never reuse it
            raise
        if answer.headers.get("connection", "").lower() == "close":
            connection.close()
        else:
            self._checkin(connection)
        return answer

    async def _checkout(self) -> _Connection:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if connection.usable(now, self.idle_expiry_s):
                return connection
            connection.close()
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                reader, writer = await asyncio.open_connection(
                    self.origin.host,
                    self.origin.port,
                    ssl=self.ssl_context,
                    server_hostname=self.origin.host if self.ssl_context else None,
                )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            raise NotSent(f"{type(exc).__name__}: {exc or 'connect timed out'}") from exc
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.opened += 1
        return _Connection(reader, writer)

    def _checkin(self, connection: _Connection) -> None:
        connection.idle_since = time.monotonic()
        self._idle.append(connection)
        while len(self._idle) > self.max_idle:
            self._idle.popleft().close()

    async def _read_answer(self, reader: asyncio.StreamReader) -> HttpAnswer:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError as exc:
            raise MaybeSent("answer headers too large") from exc
        except (asyncio.IncompleteReadError, OSError) as exc:
            raise MaybeSent(f"the connection closed before an answer ({type(exc).__name__})") from exc
        if len(head) > MAX_HEAD_BYTES:
            raise MaybeSent("answer headers too large")
        status_line, *lines = head[:-4].decode("latin-1").split("\r\n")
        try:
            status = int(status_line.split(" ", 2)[1])
        except (IndexError, ValueError):
            raise MaybeSent(f"not an HTTP answer: {status_line[:80]!r}") from None
        headers: dict[str, str] = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        try:
            if headers.get("transfer-encoding", "").lower() == "chunked":
                body = await _read_chunked(reader)
            elif "content-length" in headers:
                body = await reader.readexactly(int(headers["content-length"]))
            else:  # no framing: the body runs to the end of the connection
                body = await reader.read()
                headers["connection"] = "close"
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError, ValueError) as exc:
            raise MaybeSent(f"the answer was cut short ({type(exc).__name__})") from exc
        return HttpAnswer(status, headers, body)

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers, then the blank line
                pass
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
