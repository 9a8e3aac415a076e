"""A caller's tool allow-list, carried from the gateway to the client in one request header.

Only the gateway authenticates callers, yet the client's agent chooses tools itself: so the gateway
drops any copy of :data:`ALLOWED_TOOLS_HEADER` a caller sent and sets it from the caller's principal
(a JSON list of names or shell-style patterns; absent: every tool). The client trusts it because only
the gateway reaches the client (mTLS on that edge).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from fnmatch import fnmatchcase

from client.auth import Principal

ALLOWED_TOOLS_HEADER = "x-mcph-allowed-tools"


class BadAllowList(ValueError):
    """The header is not a JSON list of strings."""


def with_caller_tools(
    headers: Sequence[tuple[str, str]], principal: Principal | None
) -> list[tuple[str, str]]:
    """``headers`` without any caller-sent allow-list, plus the principal's own (if it has one)."""
    kept = [(k, v) for k, v in headers if k.lower() != ALLOWED_TOOLS_HEADER]
    if principal is not None and principal.allowed_tools is not None:
        kept.append((ALLOWED_TOOLS_HEADER, json.dumps(list(principal.allowed_tools))))
    return kept


def read_allow_list(value: str | None) -> Callable[[str], bool]:
    """The predicate a header value stands for (every tool when absent)."""
    if value is None:
        return lambda _: True
    try:
        patterns = json.loads(value)
    except ValueError:
        raise BadAllowList(f"{ALLOWED_TOOLS_HEADER} is not JSON") from None
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise BadAllowList(f"{ALLOWED_TOOLS_HEADER} must be a JSON list of tool names or patterns")
    return lambda tool: any(fnmatchcase(tool, p) for p in patterns)
