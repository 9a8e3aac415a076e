"""The one path spelling the gateway accepts, so what it checks is what it forwards.

A path is canonical when its raw bytes are ``/`` followed by non-empty segments of RFC 3986 unreserved
characters (``A-Z a-z 0-9 - . _ ~``), none of them ``.`` or ``..``, with no trailing slash: no
percent-encoding (not even of an unreserved character), no backslash, no ``//``. Every route of the
gateway and the client is spelled that way, and such a path means the same to the gateway, to httpx
and to the client's router, so an allow-list decision cannot be undone by normalisation downstream.
Anything else is refused with 400 rather than normalised: a second spelling of a path is only ever
useful to someone probing for a bypass.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Receive, Scope, Send

SEGMENT = re.compile(rb"[A-Za-z0-9._~-]+")


class NonCanonicalPath(Exception):
    """The request path is not in canonical form (HTTP 400)."""


def canonical_path(scope: Scope) -> str:
    """The request's path, or :class:`NonCanonicalPath` if its raw spelling is not canonical."""
    raw: bytes = scope.get("raw_path") or scope.get("path", "").encode("latin-1")
    path: str = scope.get("path", "")
    if raw == b"/":
        segments: list[bytes] = []
    elif raw.startswith(b"/"):
        segments = raw[1:].split(b"/")
    else:
        raise NonCanonicalPath("the path must start with '/'")
    for segment in segments:
        if not SEGMENT.fullmatch(segment):
            raise NonCanonicalPath(
                "path segments must be non-empty and use only A-Z a-z 0-9 - . _ ~ (no %-escapes, '\\' or '//')"
            )
        if segment in (b".", b".."):
            raise NonCanonicalPath("the path must not contain '.' or '..' segments")
    if raw.decode("ascii") != path:
        raise NonCanonicalPath("the decoded path differs from the raw path")
    return path


class CanonicalPathGuard:
    """ASGI middleware: 400 for a non-canonical path, before routing, credentials or anything else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                canonical_path(scope)
            except NonCanonicalPath as exc:
                body = json.dumps({"error": "non_canonical_path", "message": str(exc)}).encode()
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]
                await send({"type": "http.response.start", "status": 400, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
