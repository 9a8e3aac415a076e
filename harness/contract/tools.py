"""Tool checks: listing and pagination, name format, input/output schemas as valid JSON Schema,
``structuredContent`` against ``outputSchema``, ``content`` present, and which failures are
protocol errors (unknown tool, malformed request) versus ``isError`` results (bad arguments)."""

from __future__ import annotations

import json
import re
from typing import Any

import anyio
from jsonschema import Draft202012Validator, SchemaError, ValidationError, validators

from harness.contract.context import CheckContext
from harness.contract.outcomes import CheckFailed, CheckSkipped, expect
from harness.contract.registry import check
from harness.contract.wire import error_of, result_of

TOOL_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
UNKNOWN_TOOL = "no_such_tool_for_contract_check"


def schema_problem(schema: Any) -> str | None:
    """Why ``schema`` is not a usable JSON Schema object for tool arguments/results (None if it is)."""
    if not isinstance(schema, dict):
        return f"not an object: {json.dumps(schema)[:80]}"
    if schema.get("type") != "object":
        return f"type is {schema.get('type')!r}, not 'object'"
    validator_class = validators.validator_for(schema, default=Draft202012Validator)
    try:
        validator_class.check_schema(schema)
    except SchemaError as exc:
        return f"invalid JSON Schema: {exc.message}"
    return None


@check(
    "tools.list",
    title="tools/list returns tools with a name and an inputSchema",
    clause="server/tools: tools/list returns a tools array; each tool has name and inputSchema",
    severity="MUST",
)
async def tools_list(ctx: CheckContext) -> None:
    session = await ctx.session()
    result = await session.call("tools/list", {})
    tools = result.get("tools")
    expect(isinstance(tools, list), "a tools array", json.dumps(result)[:200])
    assert isinstance(tools, list)
    for tool in tools:
        expect(
            isinstance(tool, dict) and isinstance(tool.get("name"), str) and "inputSchema" in tool,
            "every tool to carry name and inputSchema",
            json.dumps(tool)[:200],
        )


@check(
    "tools.pagination",
    title="cursors are followed to the end without repeats",
    clause="utilities/pagination: nextCursor is opaque; the last page omits it; results are not repeated",
    severity="MUST",
)
async def pagination(ctx: CheckContext) -> None:
    session = await ctx.session()
    seen: list[str] = []
    cursor: str | None = None
    for page_number in range(1, ctx.settings.max_pages + 1):
        result = await session.call("tools/list", {} if cursor is None else {"cursor": cursor})
        names = [t.get("name") for t in result.get("tools") or [] if isinstance(t, dict)]
        repeated = sorted(set(seen).intersection(names))
        expect(not repeated, "no tool on two pages", f"page {page_number} repeats {repeated}")
        seen.extend(str(n) for n in names)
        next_cursor = result.get("nextCursor")
        if next_cursor is None:
            return
        expect(isinstance(next_cursor, str), "nextCursor to be a string", repr(next_cursor))
        cursor = next_cursor
    expect(False, f"a last page within {ctx.settings.max_pages} pages", f"still a nextCursor: {cursor!r}")


@check(
    "tools.invalid-cursor",
    title="an invalid cursor gets error -32602",
    clause="utilities/pagination: invalid cursors SHOULD result in an error with code -32602",
    severity="SHOULD",
)
async def invalid_cursor(ctx: CheckContext) -> None:
    session = await ctx.session()
    rid, reply = await session.request("tools/list", {"cursor": "definitely-not-a-cursor-%%%"})
    response = reply.response(rid)
    if result_of(response) is not None and "nextCursor" not in (result_of(response) or {}):
        tools = (result_of(response) or {}).get("tools") or []
        if len(tools) == len(await ctx.tools()):
            raise CheckSkipped("the server does not paginate (it ignores cursors)")
    error = error_of(response)
    expect(error is not None and error.get("code") == -32602, "error -32602", reply.describe())


@check(
    "tools.name-format",
    title="tool names are 1-128 characters of A-Z a-z 0-9 _ - .",
    clause="server/tools (2025-11-25): tool names SHOULD be 1-128 chars from [A-Za-z0-9_.-], unique",
    severity="SHOULD",
)
async def name_format(ctx: CheckContext) -> None:
    tools = await ctx.tools()
    names = [str(t.get("name")) for t in tools]
    bad = [n for n in names if not TOOL_NAME.match(n)]
    expect(not bad, "names matching [A-Za-z0-9_.-]{1,128}", f"{bad}")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    expect(not duplicates, "unique names", f"duplicated {duplicates}")


@check(
    "tools.input-schema",
    title="every inputSchema is a valid JSON Schema object",
    clause="server/tools: inputSchema MUST be a valid JSON Schema object (not null)",
    severity="MUST",
)
async def input_schema(ctx: CheckContext) -> None:
    for tool in await ctx.tools():
        problem = schema_problem(tool.get("inputSchema"))
        expect(problem is None, f"{tool.get('name')}: a JSON Schema object", str(problem))


@check(
    "tools.output-schema",
    title="every outputSchema is a valid JSON Schema object",
    clause="server/tools: outputSchema, when given, MUST be a valid JSON Schema object",
    severity="MUST",
)
async def output_schema(ctx: CheckContext) -> None:
    tools = [t for t in await ctx.tools() if "outputSchema" in t]
    if not tools:
        raise CheckSkipped("no tool declares an outputSchema")
    for tool in tools:
        problem = schema_problem(tool.get("outputSchema"))
        expect(problem is None, f"{tool.get('name')}: a JSON Schema object", str(problem))


async def call_tool(ctx: CheckContext, name: str, arguments: Any) -> tuple[dict[str, Any] | None, Any]:
    """A tools/call that asks for progress, so a slow tool reporting progress is not a hang."""
    session = await ctx.session()
    timeout = ctx.settings.call_timeout_s
    try:
        with anyio.fail_after(ctx.settings.call_max_s):
            rid, reply = await session.request(
                "tools/call",
                {"name": name, "arguments": arguments},
                timeout_s=timeout,
                progress_token=f"contract-{session.next_id()}",
            )
    except TimeoutError as exc:
        where = f"{name} with {json.dumps(arguments)[:200]} [{ctx.version}]"
        raise CheckFailed(f"an answer within {timeout:g} s of silence", f"none for {where}") from exc
    return reply.response(rid), reply


@check(
    "tools.structured-content",
    title="structuredContent is present and validates against outputSchema",
    clause="server/tools: with an outputSchema, servers MUST provide structuredContent conforming to it",
    severity="MUST",
)
async def structured_content(ctx: CheckContext) -> None:
    tools = [t for t in await ctx.callable_tools() if isinstance(t.get("outputSchema"), dict)]
    if not tools:
        raise CheckSkipped("no callable tool declares an outputSchema")
    checked = 0
    for tool in tools:
        schema = tool["outputSchema"]
        for arguments in await ctx.call_examples(tool, ctx.settings.structured_samples):
            response, _reply = await call_tool(ctx, tool["name"], arguments)
            result = result_of(response)
            if result is None or result.get("isError"):
                continue
            checked += 1
            where = f"{tool['name']}({json.dumps(arguments)[:120]})"
            expect("structuredContent" in result, f"{where}: structuredContent", f"keys {sorted(result)}")
            try:
                Draft202012Validator(schema).validate(result["structuredContent"])
            except ValidationError as exc:
                raise_failed(where, exc)
    if not checked:
        raise CheckSkipped(
            "no call succeeded, so no structuredContent to check (give one with --example 'tool={...}')"
        )


def raise_failed(where: str, exc: ValidationError) -> None:
    path = "/".join(str(p) for p in exc.absolute_path) or "(root)"
    expect(False, f"{where}: structuredContent valid against outputSchema", f"at {path}: {exc.message}")


@check(
    "tools.content-present",
    title="every tools/call result carries a content array of typed blocks",
    clause="server/tools: a CallToolResult MUST contain content (an array of content blocks)",
    severity="MUST",
)
async def content_present(ctx: CheckContext) -> None:
    calls = 0
    for tool in await ctx.callable_tools():
        examples = await ctx.call_examples(tool, 1)
        response, _reply = await call_tool(ctx, tool["name"], examples[0] if examples else {})
        result = result_of(response)
        if result is None:
            continue
        calls += 1
        content = result.get("content")
        expect(
            isinstance(content, list)
            and all(isinstance(b, dict) and isinstance(b.get("type"), str) for b in content),
            f"{tool['name']}: content as a list of blocks with a type",
            json.dumps(result)[:200],
        )
    if not calls:
        raise CheckSkipped("no tool call returned a result")


@check(
    "tools.unknown-tool",
    title="calling an unknown tool is a JSON-RPC error, not an isError result",
    clause="server/tools error handling: unknown tools are reported as protocol errors (JSON-RPC error)",
    severity="SHOULD",
)
async def unknown_tool(ctx: CheckContext) -> None:
    response, reply = await call_tool(ctx, UNKNOWN_TOOL, {})
    expect(error_of(response) is not None, "a JSON-RPC error (e.g. -32602)", reply.describe())


@check(
    "tools.bad-arguments-is-error",
    title="arguments that fail the inputSchema give an isError result the model can read",
    clause="server/tools (2025-11-25): input validation errors are tool execution errors (isError: true)",
    severity="SHOULD",
)
async def bad_arguments(ctx: CheckContext) -> None:
    tools = [t for t in await ctx.callable_tools() if (t.get("inputSchema") or {}).get("required")]
    if not tools:
        raise CheckSkipped("no tool has required arguments to omit")
    tool = tools[0]
    response, reply = await call_tool(ctx, tool["name"], {})
    result = result_of(response)
    expect(
        result is not None and result.get("isError") is True,
        f"{tool['name']} without its required arguments → result with isError: true",
        reply.describe(),
    )
