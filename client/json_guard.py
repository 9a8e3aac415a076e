"""What the gateway refuses in a request body before anything downstream parses it.

Four kinds of body break parsers or the sessions behind them, so they stop at the edge with 400:
bytes that are not UTF-8 (JSON is UTF-8; Python's decoder would otherwise pass encoded surrogates
through), a lone UTF-16 surrogate escape (``"\\ud800"``: Python decodes it into a string that can never
be encoded again, which once tore down the client's shared session to a server), nesting deeper than a
bound (``json`` recurses per level: 10,000 levels raised RecursionError), and, in JSON-RPC messages,
duplicate object keys (two parsers may keep different copies, so the name the allow-list checked
need not be the one that runs). The scans are linear and skip work when a body cannot be affected.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
ESCAPE = re.compile(rb"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
STRING = re.compile(rb'"[^"]*"')  # after ESCAPE removed escapes: linear, no backtracking
BRACKETS = bytes(range(256)).translate(None, b"[]{}")
STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class BadJsonBody(Exception):
    """A body refused at the edge: HTTP 400 with ``code`` as the JSON-RPC error on ``/mcp``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_body(body: bytes, max_depth: int) -> None:
    """Raise :class:`BadJsonBody` if ``body`` is not UTF-8, nests too deep or holds a lone surrogate."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJsonBody(PARSE_ERROR, f"the body is not valid UTF-8 (byte {exc.start})") from None
    if nesting_depth(body, max_depth) > max_depth:
        raise BadJsonBody(PARSE_ERROR, f"JSON nested deeper than {max_depth} levels")
    if SURROGATE_ESCAPE.search(body) and has_lone_surrogate(body):
        raise BadJsonBody(INVALID_PARAMS, "a string holds a lone UTF-16 surrogate escape (\\ud800-\\udfff)")


def nesting_depth(body: bytes, max_depth: int) -> int:
    """The deepest bracket nesting outside strings (0 when there are too few brackets to matter)."""
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return 0
    structure = STRING.sub(b"", ESCAPE.sub(b"", body)).translate(None, BRACKETS)
    return max(accumulate(STEP[c] for c in structure), default=0)


def has_lone_surrogate(body: bytes) -> bool:
    """True if a ``\\uD800-\\uDBFF`` escape is not followed by a low one, or a low one stands alone."""
    pending_high_end = -1
    for match in ESCAPE.finditer(body):
        code = int(match[1], 16) if match[1] else None
        if pending_high_end >= 0:
            if match.start() == pending_high_end and code is not None and 0xDC00 <= code <= 0xDFFF:
                pending_high_end = -1
                continue
            return True
        if code is not None and 0xD800 <= code <= 0xDBFF:
            pending_high_end = match.end()
        elif code is not None and 0xDC00 <= code <= 0xDFFF:
            return True
    return pending_high_end >= 0


def refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        duplicated = sorted({k for k in keys if keys.count(k) > 1})
        raise BadJsonBody(INVALID_REQUEST, f"duplicate object keys: {', '.join(duplicated)}")
    return dict(pairs)


def jsonrpc_messages(body: bytes) -> list[dict[str, Any]]:
    """The JSON-RPC messages of an MCP POST body (``[]`` when it is not JSON: the client will say so).

    Call :func:`check_body` first: it bounds the depth this parse recurses to.
    """
    try:
        value = json.loads(body, object_pairs_hook=refuse_duplicate_keys)
    except ValueError:
        return []
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]
