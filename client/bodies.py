"""Reading a request body with a size bound enforced while reading (Content-Length is only a hint).

With a deadline too (the gateway's): a body trickled byte by byte, or shorter than its Content-Length,
ends in :class:`BodyTimeout` (408) instead of holding the connection for as long as the sender likes;
a caller that hangs up mid-body ends in :class:`CallerGone`, which is routine, not an error.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from starlette.requests import ClientDisconnect, Request


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds {limit} bytes")
        self.limit = limit


class BodyTimeout(Exception):
    def __init__(self, timeout_s: float) -> None:
        super().__init__(f"the request body did not arrive within {timeout_s:g} s")


class CallerGone(Exception):
    """The caller closed the connection before its request body was complete."""


class BodyNotJsonObject(Exception):
    pass


def declared_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The body, or :class:`BodyTooLarge` as soon as more than ``limit`` bytes arrived or were declared."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_body_in_time(request: Request, limit: int, timeout_s: float) -> bytes:
    """:func:`read_limited_body` within ``timeout_s``: :class:`BodyTimeout` or :class:`CallerGone`."""
    try:
        with anyio.fail_after(timeout_s):
            return await read_limited_body(request, limit)
    except TimeoutError:
        raise BodyTimeout(timeout_s) from None
    except ClientDisconnect:
        raise CallerGone from None


def parse_json_object(body: bytes) -> dict[str, Any]:
    """``{}`` for an empty body; :class:`BodyNotJsonObject` for invalid JSON or another JSON type."""
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BodyNotJsonObject(f"body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BodyNotJsonObject(f"body must be a JSON object of arguments, got {type(value).__name__}")
    return value
