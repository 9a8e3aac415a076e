"""Reading a request body with a size bound enforced while reading (Content-Length is only a hint)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds {limit} bytes")
        self.limit = limit


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
