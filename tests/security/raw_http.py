"""HTTP/1.1 on a bare socket, the way ``curl --path-as-is`` and hostile clients send it.

httpx normalises paths and frames bodies correctly; these helpers send exactly the bytes a test wrote
(dot segments, percent-encoded slashes, a body shorter than its Content-Length, headers never finished)
and read whatever comes back, each read bounded by the caller's ``anyio.fail_after``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
from anyio.abc import SocketStream


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def header_count(self, name: str) -> int:
        return sum(1 for k, _ in self.headers if k.lower() == name.lower())

    def json(self) -> Any:
        return json.loads(self.body)


def host_port(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def request_bytes(
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    *,
    content_length: int | None = None,
) -> bytes:
    """A request head (and body) with ``target`` left exactly as given."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or content_length is not None or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def read_response(stream: SocketStream) -> RawResponse:
    """One response: status, headers in order (duplicates kept), body by Content-Length/chunked/close."""
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        try:
            buffer += await stream.receive()
        except (anyio.EndOfStream, anyio.BrokenResourceError, ConnectionResetError):
            raise ConnectionError(f"connection closed before a response head ({buffer[:80]!r})") from None
    head, _, rest = buffer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in header_lines)]
    lookup = {k.lower(): v for k, v in headers}
    if "content-length" in lookup:
        wanted = int(lookup["content-length"])
        while len(rest) < wanted:
            rest += await stream.receive()
        return RawResponse(status, headers, rest[:wanted])
    if lookup.get("transfer-encoding", "").lower() == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            rest += await stream.receive()
        return RawResponse(status, headers, dechunk(rest))
    while True:
        try:
            rest += await stream.receive()
        except (anyio.EndOfStream, anyio.BrokenResourceError, ConnectionResetError):
            return RawResponse(status, headers, rest)


def dechunk(data: bytes) -> bytes:
    body = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        body, data = body + data[:size], data[size + 2 :]
    return body


async def exchange(base_url: str, raw: bytes) -> RawResponse:
    """Send ``raw`` on a fresh connection and read one response."""
    host, port = host_port(base_url)
    async with await anyio.connect_tcp(host, port) as stream:
        await stream.send(raw)
        return await read_response(stream)


async def closed_by_peer(stream: SocketStream) -> bool:
    """True once the server closed the connection (EOF or reset) without answering further."""
    try:
        while True:
            await stream.receive()
    except (anyio.EndOfStream, anyio.BrokenResourceError, ConnectionResetError):
        return True
