"""What the prompts, resources and 2026-07-28 checks share: "does the server offer this feature?"
(its declared capabilities) and "every item of a paginated list, each page checked on the way".

A feature the server does not declare is not applicable, with the reason; a list whose cursors loop
or repeat an item is a finding of its own check, so the other checks read a list already proven sane.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.contract.context import CheckContext
from harness.contract.lifecycle import declared_capabilities
from harness.contract.outcomes import CheckSkipped, expect
from harness.contract.session import McpSession, ProtocolFailure

ItemKey = Callable[[dict[str, Any]], str]


@dataclass
class Listing:
    """Every item of one paginated list, and each page's whole result (for the caching checks)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)


async def require_capability(ctx: CheckContext, name: str) -> McpSession:
    """The shared session, once the server declared capability ``name`` (else: not applicable)."""
    session = await ctx.session()
    try:
        capabilities = await declared_capabilities(session)
    except ProtocolFailure as exc:
        raise CheckSkipped(f"cannot read the server's capabilities: {exc}") from exc
    if name not in capabilities:
        raise CheckSkipped(f"the server does not declare the {name} capability")
    return session


async def list_all(
    ctx: CheckContext, session: McpSession, method: str, key: str, identity: ItemKey
) -> Listing:
    """Follow ``method``'s cursors to the end; fails on a non-array page, a repeated item, a cursor that
    is not a string, or more than ``max_pages`` pages."""
    listing = Listing()
    seen: set[str] = set()
    cursor: str | None = None
    for page_number in range(1, ctx.settings.max_pages + 1):
        result = await session.call(method, {} if cursor is None else {"cursor": cursor})
        listing.pages.append(result)
        page = result.get(key)
        expect(isinstance(page, list), f"{method}: a {key} array", json.dumps(result)[:200])
        assert isinstance(page, list)
        items = [item for item in page if isinstance(item, dict)]
        expect(len(items) == len(page), f"{method}: every {key} entry an object", json.dumps(page)[:200])
        names = [identity(item) for item in items]
        repeated = sorted(seen.intersection(names))
        expect(not repeated, f"{method}: no entry on two pages", f"page {page_number} repeats {repeated}")
        seen.update(names)
        listing.items.extend(items)
        next_cursor = result.get("nextCursor")
        if next_cursor is None:
            return listing
        expect(isinstance(next_cursor, str), f"{method}: nextCursor a string", repr(next_cursor))
        cursor = next_cursor
    expect(
        False, f"{method}: a last page within {ctx.settings.max_pages} pages", f"still a cursor {cursor!r}"
    )
    return listing


def expect_each(items: list[dict[str, Any]], ok: Callable[[dict[str, Any]], bool], expected: str) -> None:
    """Fail on the first item ``ok`` refuses, showing it."""
    for item in items:
        expect(ok(item), expected, json.dumps(item)[:200])


def by_field(name: str) -> ItemKey:
    return lambda item: str(item.get(name))
