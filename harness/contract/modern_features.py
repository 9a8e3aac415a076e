"""2026-07-28 specifics: caching hints on list and read results, ``subscriptions/listen``, the shape of
``input_required`` results, W3C trace context in ``_meta``, and well-formed tool annotations.

Each applies only where the server uses the feature (a capability it declares, a result it returns);
otherwise the check is not applicable and says why.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx

from harness.contract.context import CheckContext
from harness.contract.lifecycle import declared_capabilities
from harness.contract.listings import by_field, list_all, require_capability
from harness.contract.outcomes import CheckFailed, CheckSkipped, expect
from harness.contract.registry import BOTH, MODERN_ONLY, check
from harness.contract.session import McpSession
from harness.contract.wire import parse_sse, result_of

CACHE_SCOPES = ("public", "private")
CACHEABLE_LISTS = (
    ("tools", "tools/list"),
    ("prompts", "prompts/list"),
    ("resources", "resources/list"),
    ("resources", "resources/templates/list"),
)
LISTEN_FILTERS = {
    "tools": "toolsListChanged",
    "prompts": "promptsListChanged",
    "resources": "resourcesListChanged",
}
INPUT_METHODS = ("sampling/createMessage", "roots/list", "elicitation/create")
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
HINTS = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
INPUT_SAMPLES = 5


def cache_problem(result: dict[str, Any]) -> str | None:
    ttl, scope = result.get("ttlMs"), result.get("cacheScope")
    if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0:
        return f"ttlMs={ttl!r} (an integer >= 0 is required)"
    if scope not in CACHE_SCOPES:
        return f"cacheScope={scope!r} (public or private is required)"
    return None


@check(
    "cache.hints",
    title="list and read results carry ttlMs >= 0 and cacheScope public|private",
    clause=(
        "2026-07-28 utilities/caching: servers MUST include caching hints on tools/list, prompts/list,"
        " resources/list, resources/templates/list and resources/read; servers MUST provide ttlMs >= 0"
    ),
    severity="MUST",
    versions=MODERN_ONLY,
)
async def cache_hints(ctx: CheckContext) -> None:
    session = await ctx.session()
    capabilities = await declared_capabilities(session)
    checked = []
    for capability, method in CACHEABLE_LISTS:
        if capability not in capabilities:
            continue
        rid, reply = await session.request(method, {})
        result = result_of(reply.response(rid))
        if result is None:
            continue  # a list the server does not offer (e.g. no templates) is not this check's finding
        checked.append(method)
        problem = cache_problem(result)
        expect(problem is None, f"{method}: caching hints", str(problem))
        resources = result.get("resources") if method == "resources/list" else None
        if resources and isinstance(resources[0], dict):
            read_id, read_reply = await session.request("resources/read", {"uri": resources[0].get("uri")})
            read = result_of(read_reply.response(read_id))
            if read is not None and read.get("resultType") != "input_required":
                expect(cache_problem(read) is None, "resources/read: caching hints", str(cache_problem(read)))
    if not checked:
        raise CheckSkipped("the server offers none of the cacheable lists")


async def first_sse_message(ctx: CheckContext, session: McpSession, body: dict[str, Any]) -> tuple[int, Any]:
    """Open a long-lived POST and return (status, first message) without waiting for the stream's end."""
    wire = ctx.require_http()
    headers = {
        **session.headers_for("subscriptions/listen", body["params"]),
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
    }
    with anyio.fail_after(ctx.settings.request_timeout_s):
        async with wire.client.stream("POST", wire.url, json=body, headers=headers) as response:
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                text = (await response.aread()).decode("utf-8", "replace")
                return response.status_code, text[:300]
            event: list[str] = []
            async for line in response.aiter_lines():
                if line.strip():
                    event.append(line)
                    continue
                messages, _ = parse_sse("\n".join(event) + "\n")
                if messages:
                    return response.status_code, messages[0]
                event.clear()
    return response.status_code, None


@check(
    "subscriptions.listen",
    title="subscriptions/listen opens a stream acknowledging only the requested notifications",
    clause=(
        "2026-07-28 subscriptions/listen: the first message on the stream is"
        " notifications/subscriptions/acknowledged naming the subset of requested types the server"
        " will honour; the server MUST NOT send types not requested"
    ),
    severity="MUST",
    versions=MODERN_ONLY,
    transports=("http",),
)
async def subscriptions_listen(ctx: CheckContext) -> None:
    ctx.require_http()
    session = await ctx.session()
    capabilities = await declared_capabilities(session)
    offered = [
        key
        for capability, key in LISTEN_FILTERS.items()
        if isinstance(capabilities.get(capability), dict)
        and capabilities[capability].get("listChanged") is True
    ]
    wanted = {key: True for key in offered[:1]}  # one type, so an acknowledgement of more stands out
    if not wanted:
        raise CheckSkipped("the server declares no listChanged capability to listen for")
    rid = session.next_id()
    params = session.frame_params({"notifications": wanted}) or {}
    body = {"jsonrpc": "2.0", "id": rid, "method": "subscriptions/listen", "params": params}
    try:
        status, first = await first_sse_message(ctx, session, body)
    except (TimeoutError, httpx.TransportError) as exc:
        raise CheckFailed("an acknowledgement on the stream", f"{type(exc).__name__}: {exc}") from exc
    expect(
        status == 200 and isinstance(first, dict), "HTTP 200 and an SSE stream", f"HTTP {status} · {first!r}"
    )
    assert isinstance(first, dict)
    expect(
        first.get("method") == "notifications/subscriptions/acknowledged",
        "notifications/subscriptions/acknowledged first",
        json.dumps(first)[:200],
    )
    granted = (first.get("params") or {}).get("notifications")
    expect(isinstance(granted, dict), "params.notifications, an object", json.dumps(first)[:200])
    assert isinstance(granted, dict)
    extra = sorted(k for k, v in granted.items() if v and k not in wanted)
    expect(not extra, f"only requested types ({sorted(wanted)})", f"also acknowledged {extra}")


def input_required_problem(result: dict[str, Any]) -> str | None:
    requests, state = result.get("inputRequests"), result.get("requestState")
    if requests is None and state is None:
        return "neither inputRequests nor requestState"
    if state is not None and not isinstance(state, str):
        return f"requestState={state!r} is not a string"
    if requests is not None:
        if not isinstance(requests, dict):
            return "inputRequests is not an object"
        for key, request in requests.items():
            if not isinstance(request, dict) or request.get("method") not in INPUT_METHODS:
                return f"inputRequests[{key!r}] is not one of {', '.join(INPUT_METHODS)}"
    return None


@check(
    "results.input-required",
    title="input_required results carry inputRequests or requestState, well formed",
    clause=(
        "2026-07-28 multi-round-trip requests: an InputRequiredResult MUST carry at least one of"
        " inputRequests (sampling, roots or elicitation requests) and requestState (an opaque string)"
    ),
    severity="MUST",
    versions=MODERN_ONLY,
)
async def input_required(ctx: CheckContext) -> None:
    session = await ctx.session()
    capabilities = await declared_capabilities(session)
    calls: list[tuple[str, dict[str, Any]]] = []
    if "prompts" in capabilities:
        prompts = (await list_all(ctx, session, "prompts/list", "prompts", by_field("name"))).items
        for prompt in prompts[:INPUT_SAMPLES]:
            names = [a.get("name") for a in prompt.get("arguments") or [] if a.get("required")]
            calls.append(
                ("prompts/get", {"name": prompt.get("name"), "arguments": dict.fromkeys(names, "example")})
            )
    seen = 0
    for method, params in calls:
        rid, reply = await session.request(method, params)
        result = result_of(reply.response(rid))
        if result is None or result.get("resultType") != "input_required":
            continue
        seen += 1
        problem = input_required_problem(result)
        expect(
            problem is None, f"{method} {params.get('name')}: a well-formed InputRequiredResult", str(problem)
        )
    if not seen:
        raise CheckSkipped(f"no input_required result among {len(calls)} prompts/get calls")


@check(
    "meta.traceparent-accepted",
    title="a request carrying W3C trace context in _meta is served",
    clause=(
        "basic/_meta (SEP-414): traceparent, tracestate and baggage are reserved _meta keys for W3C"
        " Trace Context; a request carrying them is a valid request"
    ),
    severity="SHOULD",
    versions=BOTH,
)
async def traceparent_accepted(ctx: CheckContext) -> None:
    session = await require_capability(ctx, "tools")
    meta = {"traceparent": TRACEPARENT, "tracestate": "mcph=contract"}
    rid, reply = await session.request("tools/list", {"_meta": meta})
    expect(result_of(reply.response(rid)) is not None, "a tools/list result", reply.describe())


def annotation_problem(annotations: Any) -> str | None:
    if not isinstance(annotations, dict):
        return f"annotations is {type(annotations).__name__}, not an object"
    wrong = [h for h in HINTS if h in annotations and not isinstance(annotations[h], bool)]
    if wrong:
        return f"{', '.join(f'{h}={annotations[h]!r}' for h in wrong)} (booleans expected)"
    if "title" in annotations and not isinstance(annotations["title"], str):
        return f"title={annotations['title']!r} (a string expected)"
    return None


@check(
    "tools.annotations",
    title="tool annotations are an object of boolean hints and a string title",
    clause=(
        "server/tools ToolAnnotations: title is a string; readOnlyHint, destructiveHint,"
        " idempotentHint and openWorldHint are booleans"
    ),
    severity="MUST",
    versions=BOTH,
)
async def tool_annotations(ctx: CheckContext) -> None:
    annotated = [t for t in await ctx.tools() if "annotations" in t]
    if not annotated:
        raise CheckSkipped("no tool carries annotations")
    for tool in annotated:
        problem = annotation_problem(tool["annotations"])
        expect(problem is None, f"{tool.get('name')}: well-formed annotations", str(problem))
