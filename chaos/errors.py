"""The proxy API's errors: a table of sentinel kinds, one exception type, one function that writes them.

Toxiproxy answers every failure with ``{"error": "<message>", "status": N}`` and a fixed message per kind
(``proxy not found``, ``toxic already exists``…), sometimes joined with a detail
(``missing required field: name``). The collection raises :class:`ApiError` carrying one of the kinds
below; :func:`error_response` is the single place where an error becomes an HTTP response, with the exact
quirks of Go's ``http.Error`` (a JSON text sent as ``text/plain``, a trailing newline, ``nosniff``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.responses import Response


@dataclass(frozen=True)
class ErrorKind:
    """One sentinel error of the API: its fixed message and HTTP status."""

    message: str
    status: int


BAD_REQUEST_BODY = ErrorKind("bad request body", 400)
MISSING_FIELD = ErrorKind("missing required field", 400)
PROXY_NOT_FOUND = ErrorKind("proxy not found", 404)
PROXY_ALREADY_EXISTS = ErrorKind("proxy already exists", 409)
INVALID_STREAM = ErrorKind("stream was invalid, can be either upstream or downstream", 400)
INVALID_TOXIC_TYPE = ErrorKind("invalid toxic type", 400)
TOXIC_ALREADY_EXISTS = ErrorKind("toxic already exists", 409)
TOXIC_NOT_FOUND = ErrorKind("toxic not found", 404)
LISTEN_FAILED = ErrorKind("", 500)  # Go reports the raw listen error, so the detail is the message
PAGE_NOT_FOUND = ErrorKind("404 page not found", 404)
USER_AGENT_NOT_ALLOWED = ErrorKind("User agent not allowed", 403)

ERROR_KINDS: tuple[ErrorKind, ...] = (
    BAD_REQUEST_BODY,
    MISSING_FIELD,
    PROXY_NOT_FOUND,
    PROXY_ALREADY_EXISTS,
    INVALID_STREAM,
    INVALID_TOXIC_TYPE,
    TOXIC_ALREADY_EXISTS,
    TOXIC_NOT_FOUND,
    LISTEN_FAILED,
)


class ApiError(Exception):
    """A failure of a proxy-collection operation, as the API reports it."""

    def __init__(self, kind: ErrorKind, detail: str | None = None) -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if not self.detail:
            return self.kind.message
        if not self.kind.message:
            return self.detail
        return f"{self.kind.message}: {self.detail}"

    @property
    def status(self) -> int:
        return self.kind.status

    def to_json(self) -> dict[str, object]:
        return {"error": self.message, "status": self.status}


def error_response(error: ApiError) -> Response:
    """Write ``error`` the way Toxiproxy does (Go's ``http.Error``: JSON text, ``text/plain``, newline)."""
    body = json.dumps(error.to_json(), separators=(",", ":")) + "\n"
    return Response(
        body,
        status_code=error.status,
        media_type="text/plain; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )
