"""Resource checks (servers that declare the ``resources`` capability): the list and its pages, reading
listed resources, the template list, and what an unknown URI gets.

The error for an unknown URI changed between versions: 2025-11-25 recommends -32002; 2026-07-28
(SEP-2164) recommends -32602 with the URI in ``data`` and forbids an empty ``contents`` result.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from harness.contract.context import CheckContext
from harness.contract.listings import by_field, expect_each, list_all, require_capability
from harness.contract.outcomes import CheckSkipped, expect
from harness.contract.registry import MODERN_ONLY, check
from harness.contract.session import LEGACY
from harness.contract.wire import error_of, result_of

UNKNOWN_URI = "mcp-harness-contract://no/such/resource"
RESOURCE_NOT_FOUND_LEGACY = -32002
INVALID_PARAMS = -32602
METHOD_NOT_FOUND = -32601
RESOURCES_SAMPLED = 3


def content_problem(item: Any) -> str | None:
    """Why one entry of ``contents`` is malformed (None when it is fine)."""
    if not isinstance(item, dict) or not isinstance(item.get("uri"), str):
        return "an entry without a string uri"
    has_text, has_blob = "text" in item, "blob" in item
    if has_text == has_blob:
        return "an entry with neither or both of text and blob"
    if has_text and not isinstance(item["text"], str):
        return "text that is not a string"
    if has_blob:
        try:
            base64.b64decode(str(item["blob"]), validate=True)
        except (binascii.Error, ValueError):
            return "blob that is not base64"
        if not isinstance(item["blob"], str):
            return "blob that is not a string"
    return None


@check(
    "resources.list",
    title="resources/list returns resources with uri and name, every page, no repeats",
    clause=(
        "server/resources: resources/list returns a resources array; each resource has uri and name;"
        " utilities/pagination: nextCursor is followed to a last page"
    ),
    severity="MUST",
)
async def resources_list(ctx: CheckContext) -> None:
    session = await require_capability(ctx, "resources")
    listing = await list_all(ctx, session, "resources/list", "resources", by_field("uri"))
    expect_each(listing.items, named("uri"), "every resource with a string uri and name")


def named(key: str) -> Callable[[dict[str, Any]], bool]:
    return lambda item: isinstance(item.get(key), str) and isinstance(item.get("name"), str)


@check(
    "resources.read",
    title="resources/read of a listed resource returns its contents (text or base64 blob)",
    clause=(
        "server/resources: a ReadResourceResult holds contents; each has uri and either text or"
        " base64-encoded blob data"
    ),
    severity="MUST",
)
async def resources_read(ctx: CheckContext) -> None:
    session = await require_capability(ctx, "resources")
    listing = await list_all(ctx, session, "resources/list", "resources", by_field("uri"))
    if not listing.items:
        raise CheckSkipped("the server lists no resources")
    read = 0
    for resource in listing.items[:RESOURCES_SAMPLED]:
        rid, reply = await session.request("resources/read", {"uri": resource.get("uri")})
        result = result_of(reply.response(rid))
        where = f"resources/read {resource.get('uri')}"
        expect(result is not None, f"{where}: a result (the resource is listed)", reply.describe())
        assert result is not None
        if result.get("resultType") == "input_required":
            continue
        read += 1
        contents = result.get("contents")
        expect(
            isinstance(contents, list) and bool(contents),
            f"{where}: a non-empty contents array",
            json.dumps(result)[:200],
        )
        assert isinstance(contents, list)
        for item in contents:
            problem = content_problem(item)
            expect(
                problem is None,
                f"{where}: uri plus text or base64 blob",
                f"{problem}: {json.dumps(item)[:160]}",
            )
    if not read:
        raise CheckSkipped("every listed resource asked for input first")


@check(
    "resources.templates-list",
    title="resources/templates/list returns templates with uriTemplate and name",
    clause=(
        "server/resources: resources/templates/list returns resourceTemplates; each has uriTemplate"
        " and name; utilities/pagination: nextCursor is followed to a last page"
    ),
    severity="MUST",
)
async def templates_list(ctx: CheckContext) -> None:
    session = await require_capability(ctx, "resources")
    rid, reply = await session.request("resources/templates/list", {})
    error = error_of(reply.response(rid))
    if error is not None and error.get("code") == METHOD_NOT_FOUND:
        raise CheckSkipped("the server offers no resource templates (-32601)")
    listing = await list_all(
        ctx, session, "resources/templates/list", "resourceTemplates", by_field("uriTemplate")
    )
    expect_each(listing.items, named("uriTemplate"), "every template with a string uriTemplate and name")


@check(
    "resources.unknown-uri",
    title="reading an unknown URI is an error, not an empty contents result",
    clause=(
        "2026-07-28 server/resources (SEP-2164): for a URI that is no resource the server MUST NOT"
        " return a result with an empty contents array"
    ),
    severity="MUST",
    versions=MODERN_ONLY,
)
async def unknown_uri(ctx: CheckContext) -> None:
    session = await require_capability(ctx, "resources")
    rid, reply = await session.request("resources/read", {"uri": UNKNOWN_URI})
    result = result_of(reply.response(rid))
    empty = result is not None and result.get("resultType") != "input_required" and not result.get("contents")
    expect(not empty, f"an error for {UNKNOWN_URI}", reply.describe())


@check(
    "resources.not-found-code",
    title="reading an unknown URI gets the version's resource-not-found error",
    clause=(
        "server/resources error handling: resource not found SHOULD be -32002 (2025-11-25);"
        " 2026-07-28 (SEP-2164): SHOULD be -32602 (Invalid params) with the uri in error.data"
    ),
    severity="SHOULD",
)
async def not_found_code(ctx: CheckContext) -> None:
    session = await require_capability(ctx, "resources")
    rid, reply = await session.request("resources/read", {"uri": UNKNOWN_URI})
    error = error_of(reply.response(rid))
    if ctx.version == LEGACY:
        expect(
            error is not None and error.get("code") == RESOURCE_NOT_FOUND_LEGACY,
            "error -32002 (Resource not found)",
            reply.describe(),
        )
        return
    data = error.get("data") if error is not None else None
    expect(
        error is not None and error.get("code") == INVALID_PARAMS,
        "error -32602 (Invalid params)",
        reply.describe(),
    )
    expect(
        isinstance(data, dict) and data.get("uri") == UNKNOWN_URI,
        f"error.data.uri = {UNKNOWN_URI}",
        f"data={json.dumps(data)[:160]}",
    )
