"""Rules that break the prompts, resources and 2026-07-28 checks, one rule per check (the same pattern
as :mod:`tests.contract_targets.breakages`, which appends these to its list)."""

from __future__ import annotations

import json
from typing import Any

from tests.contract_targets.tamper import Answer, Exchange, Message, Rule, json_answer, map_messages

UNKNOWN = "no_such_prompt_for_contract_check"


def result_of(message: Message) -> dict[str, Any] | None:
    value = message.get("result")
    return value if isinstance(value, dict) else None


def on_result(method: str, change: Any) -> Any:
    """A response hook that edits the result of ``method`` in place."""

    def apply(exchange: Exchange, message: Message) -> Message | None:
        body = result_of(message)
        if exchange.method == method and body is not None:
            change(exchange, body)
        return None

    return map_messages(apply)


def repeat_first(key: str) -> Any:
    def change(exchange: Exchange, body: dict[str, Any]) -> None:
        if "cursor" not in exchange.params and body.get(key):
            exchange.state[f"first-{key}"] = body[key][0]
        elif f"first-{key}" in exchange.state:
            body[key].insert(0, exchange.state[f"first-{key}"])

    return change


def system_role(exchange: Exchange, body: dict[str, Any]) -> None:
    for message in body.get("messages", []):
        message["role"] = "system"


def fill_missing_arguments(exchange: Exchange) -> None:
    """prompts/get without arguments is answered as if placeholders had been given."""
    if exchange.method == "prompts/get" and not exchange.params.get("arguments"):
        params = {**exchange.params, "arguments": {"name": "anyone", "code": "pass"}}
        exchange.replace_message({**exchange.message, "params": params})


def internal_error(method: str) -> Any:
    """Every error ``method`` answers becomes -32603 "Internal server error" (what mcp 2.3.0 did)."""

    def change(exchange: Exchange, message: Message) -> Message | None:
        error = message.get("error")
        if exchange.method == method and isinstance(error, dict):
            message["error"] = {"code": -32603, "message": "Internal server error"}
        return None

    return map_messages(change)


def empty_contents_for_unknown(exchange: Exchange, message: Message) -> Message | None:
    if exchange.method == "resources/read" and isinstance(message.get("error"), dict):
        result = {"contents": [], "resultType": "complete", "ttlMs": 0, "cacheScope": "private"}
        return {"jsonrpc": "2.0", "id": message.get("id"), "result": result}
    return None


def drop_names(key: str) -> Any:
    def change(exchange: Exchange, body: dict[str, Any]) -> None:
        for item in body.get(key, []):
            item.pop("name", None)

    return change


def blob_not_base64(exchange: Exchange, body: dict[str, Any]) -> None:
    for item in body.get("contents", []):
        if "blob" in item:
            item["blob"] = "*** not base64 ***"


def drop_uri_templates(exchange: Exchange, body: dict[str, Any]) -> None:
    for item in body.get("resourceTemplates", []):
        item.pop("uriTemplate", None)


PROMPT_AND_RESOURCE_RULES: tuple[Rule, ...] = (
    Rule(
        "prompt-pages-repeat", "prompts.list", on_response=on_result("prompts/list", repeat_first("prompts"))
    ),
    Rule("prompt-system-role", "prompts.get", on_response=on_result("prompts/get", system_role)),
    Rule("unknown-prompt-internal-error", "prompts.unknown-name", on_response=internal_error("prompts/get")),
    Rule(
        "prompt-arguments-invented",
        "prompts.missing-arguments",
        on_request=lambda ex: fill_missing_arguments(ex),
    ),
    Rule(
        "resource-without-name",
        "resources.list",
        on_response=on_result("resources/list", drop_names("resources")),
    ),
    Rule("blob-not-base64", "resources.read", on_response=on_result("resources/read", blob_not_base64)),
    Rule(
        "template-without-uri",
        "resources.templates-list",
        on_response=on_result("resources/templates/list", drop_uri_templates),
    ),
    Rule(
        "unknown-resource-empty",
        "resources.unknown-uri",
        on_response=map_messages(empty_contents_for_unknown),
    ),
    Rule(
        "unknown-resource-internal-error",
        "resources.not-found-code",
        on_response=internal_error("resources/read"),
    ),
)


# -- 2026-07-28 ------------------------------------------------------------------------------------
def negative_ttl(exchange: Exchange, body: dict[str, Any]) -> None:
    if "ttlMs" in body:
        body["ttlMs"] = -1


def listen_acknowledges_everything(exchange: Exchange) -> Answer | None:
    if exchange.method != "subscriptions/listen":
        return None
    granted = {"toolsListChanged": True, "promptsListChanged": True, "resourcesListChanged": True}
    note = {
        "jsonrpc": "2.0",
        "method": "notifications/subscriptions/acknowledged",
        "params": {"notifications": granted},
    }
    return Answer(
        200, {"content-type": "text/event-stream"}, f"event: message\ndata: {json.dumps(note)}\n\n".encode()
    )


def input_required_empty(exchange: Exchange, body: dict[str, Any]) -> None:
    if body.get("resultType") == "input_required":
        body.pop("requestState", None)
        body.pop("inputRequests", None)


def refuse_trace_context(exchange: Exchange) -> Answer | None:
    meta = exchange.params.get("_meta")
    if isinstance(meta, dict) and "traceparent" in meta and isinstance(exchange.message, dict):
        error = {"code": -32602, "message": "unexpected _meta key traceparent"}
        return json_answer(200, {"jsonrpc": "2.0", "id": exchange.message.get("id"), "error": error})
    return None


def string_hints(exchange: Exchange, body: dict[str, Any]) -> None:
    for tool in body.get("tools", []):
        if isinstance(tool.get("annotations"), dict):
            tool["annotations"]["idempotentHint"] = "yes"


def host_ignored(exchange: Exchange) -> None:
    """The server's Host check is fooled: every request looks addressed like the first one it saw."""
    first = exchange.state.setdefault("first-host", exchange.headers.get("host", ""))
    exchange.headers["host"] = first


MODERN_RULES: tuple[Rule, ...] = (
    Rule("host-ignored", "http.host-validated", on_request=lambda ex: host_ignored(ex)),
    Rule("negative-ttl", "cache.hints", on_response=on_result("tools/list", negative_ttl)),
    Rule("listen-acknowledges-all", "subscriptions.listen", on_request=listen_acknowledges_everything),
    Rule(
        "input-required-empty",
        "results.input-required",
        on_response=on_result("prompts/get", input_required_empty),
    ),
    Rule("trace-context-refused", "meta.traceparent-accepted", on_request=refuse_trace_context),
    Rule("annotation-hint-string", "tools.annotations", on_response=on_result("tools/list", string_hints)),
)
FEATURE_RULES: tuple[Rule, ...] = PROMPT_AND_RESOURCE_RULES + MODERN_RULES
