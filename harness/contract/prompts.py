"""Prompt checks (servers that declare the ``prompts`` capability): the list and its pages, a listed
prompt fetched with its required arguments, and the errors for an unknown prompt or a missing
argument. A server without the capability gets "not applicable", with the reason."""

from __future__ import annotations

import json
from typing import Any

from harness.contract.context import CheckContext
from harness.contract.listings import by_field, expect_each, list_all, require_capability
from harness.contract.outcomes import CheckSkipped, expect
from harness.contract.registry import check
from harness.contract.session import McpSession
from harness.contract.wire import error_of, result_of

UNKNOWN_PROMPT = "no_such_prompt_for_contract_check"
INVALID_PARAMS = -32602
ROLES = ("user", "assistant")
PROMPTS_SAMPLED = 3


async def listed_prompts(ctx: CheckContext, session: McpSession) -> list[dict[str, Any]]:
    return (await list_all(ctx, session, "prompts/list", "prompts", by_field("name"))).items


def required_arguments(prompt: dict[str, Any]) -> list[str]:
    arguments = prompt.get("arguments") or []
    return [str(a.get("name")) for a in arguments if isinstance(a, dict) and a.get("required") is True]


@check(
    "prompts.list",
    title="prompts/list returns named prompts, every page, no repeats",
    clause=(
        "server/prompts: prompts/list returns a prompts array; each prompt has a name and optional"
        " arguments (each with a name); utilities/pagination: nextCursor is followed to a last page"
    ),
    severity="MUST",
)
async def prompts_list(ctx: CheckContext) -> None:
    session = await require_capability(ctx, "prompts")
    expect_each(
        await listed_prompts(ctx, session),
        well_formed_prompt,
        "every prompt with a string name and arguments as a list of named objects",
    )


def well_formed_prompt(prompt: dict[str, Any]) -> bool:
    arguments = prompt.get("arguments", [])
    return (
        isinstance(prompt.get("name"), str)
        and isinstance(arguments, list)
        and all(isinstance(a, dict) and isinstance(a.get("name"), str) for a in arguments)
    )


@check(
    "prompts.get",
    title="prompts/get of a listed prompt returns user/assistant messages with content",
    clause=(
        "server/prompts: a GetPromptResult holds messages; each message has role user or assistant"
        " and one content block with a type"
    ),
    severity="MUST",
)
async def prompts_get(ctx: CheckContext) -> None:
    session = await require_capability(ctx, "prompts")
    prompts = await listed_prompts(ctx, session)
    if not prompts:
        raise CheckSkipped("the server lists no prompts")
    fetched = 0
    for prompt in prompts[:PROMPTS_SAMPLED]:
        arguments = {name: "example" for name in required_arguments(prompt)}
        rid, reply = await session.request("prompts/get", {"name": prompt["name"], "arguments": arguments})
        result = result_of(reply.response(rid))
        if result is None or result.get("resultType") == "input_required":
            continue  # it may refuse made-up argument values; an input request is checked elsewhere
        fetched += 1
        messages = result.get("messages")
        where = f"{prompt['name']}({json.dumps(arguments)})"
        expect(isinstance(messages, list), f"{where}: a messages array", json.dumps(result)[:200])
        assert isinstance(messages, list)
        for message in messages:
            content = message.get("content") if isinstance(message, dict) else None
            expect(
                isinstance(message, dict)
                and message.get("role") in ROLES
                and isinstance(content, dict)
                and isinstance(content.get("type"), str),
                f"{where}: each message with role user|assistant and a typed content block",
                json.dumps(message)[:200],
            )
    if not fetched:
        raise CheckSkipped("no listed prompt could be fetched with placeholder arguments")


@check(
    "prompts.unknown-name",
    title="prompts/get of an unknown prompt is error -32602",
    clause="server/prompts error handling: servers SHOULD return -32602 (Invalid params) for an invalid prompt name",
    severity="SHOULD",
)
async def unknown_name(ctx: CheckContext) -> None:
    session = await require_capability(ctx, "prompts")
    rid, reply = await session.request("prompts/get", {"name": UNKNOWN_PROMPT, "arguments": {}})
    error = error_of(reply.response(rid))
    expect(
        error is not None and error.get("code") == INVALID_PARAMS,
        "error -32602 (Invalid params)",
        reply.describe(),
    )


@check(
    "prompts.missing-arguments",
    title="prompts/get without a required argument is error -32602",
    clause="server/prompts error handling: servers SHOULD return -32602 (Invalid params) for missing arguments",
    severity="SHOULD",
)
async def missing_arguments(ctx: CheckContext) -> None:
    session = await require_capability(ctx, "prompts")
    needy = [p for p in await listed_prompts(ctx, session) if required_arguments(p)]
    if not needy:
        raise CheckSkipped("no listed prompt has a required argument")
    prompt = needy[0]
    rid, reply = await session.request("prompts/get", {"name": prompt["name"], "arguments": {}})
    error = error_of(reply.response(rid))
    expect(
        error is not None and error.get("code") == INVALID_PARAMS,
        f"{prompt['name']} without {required_arguments(prompt)}: error -32602",
        reply.describe(),
    )
