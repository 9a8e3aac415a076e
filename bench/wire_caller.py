"""A deliberately light HTTP/1.1 caller for the benchmarks: pre-built request bytes over kept-alive sockets.

The hops under test are measured by the CPU they burn per call, so the side that drives them must cost
far less than any of them, or a 2-core machine measures the load generator. httpx spends about as much
CPU per request as a whole hop; this caller writes bytes built once per call and reads the answer with
``asyncio`` streams (status line, headers, a ``Content-Length`` or chunked body) — a few tens of
microseconds. :func:`caller_cpu_per_call` lets a benchmark print that it stayed lighter than the hops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def request_bytes(url: str, body: dict[str, Any], headers: dict[str, str]) -> bytes:
    """One POST of ``body`` (compact JSON) to ``url``'s path, keep-alive."""
    parts = urlsplit(url)
    payload = json.dumps(body, separators=(",", ":")).encode()
    lines = [f"POST {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


class WireConnection:
    """One kept-alive connection; :meth:`post` sends pre-built bytes and returns the whole answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> WireConnection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer)

    async def post(self, raw: bytes) -> Answer:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunked()
        else:
            raise ValueError(f"answer without a length: {status_line}")
        return Answer(int(status_line.split(" ", 2)[1]), headers, body)

    async def _chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(chunks)
            chunks.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()
