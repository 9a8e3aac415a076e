"""One rule per contract check: each makes the correct fixture server violate exactly what that check
enforces, so a passing check is never vacuous (see tests/unit/contract/test_breakages.py)."""

from __future__ import annotations

import json
from typing import Any

from tests.contract_targets.breakages_features import FEATURE_RULES
from tests.contract_targets.breakages_robustness import ROBUSTNESS_RULES
from tests.contract_targets.tamper import Answer, Exchange, Message, Rule, json_answer, map_messages

MODERN, LEGACY = "2026-07-28", "2025-11-25"
META_KEY = "io.modelcontextprotocol/protocolVersion"


def result(message: Message) -> dict[str, Any] | None:
    value = message.get("result")
    return value if isinstance(value, dict) else None


def error_code(old: int, new: int):  # type: ignore[no-untyped-def]
    def change(exchange: Exchange, message: Message) -> Message | None:
        error = message.get("error")
        if isinstance(error, dict) and error.get("code") == old:
            error["code"] = new
        return None

    return map_messages(change)


def on_method(method: str, change: Any):  # type: ignore[no-untyped-def]
    def apply(exchange: Exchange, message: Message) -> Message | None:
        body = result(message)
        if exchange.method == method and body is not None:
            change(exchange, body)
        return None

    return map_messages(apply)


def short_circuit_method(method: str, answer: Answer):  # type: ignore[no-untyped-def]
    def hook(exchange: Exchange) -> Answer | None:
        return answer if exchange.method == method else None

    return hook


# -- lifecycle -------------------------------------------------------------------------------------
def any_version(exchange: Exchange) -> None:
    known = (MODERN, LEGACY)
    if exchange.headers.get("mcp-protocol-version", MODERN) not in known:
        modern = META_KEY in (exchange.params.get("_meta") or {})
        exchange.headers["mcp-protocol-version"] = MODERN if modern else LEGACY
    meta = exchange.params.get("_meta")
    if isinstance(meta, dict) and meta.get(META_KEY) not in (None, *known):
        meta[META_KEY] = MODERN
        exchange.replace_message(exchange.message)


def meta_optional(exchange: Exchange) -> None:
    if (
        exchange.headers.get("mcp-protocol-version") == MODERN
        and exchange.method
        and "id" in exchange.message
    ):
        params = dict(exchange.params)
        params.setdefault("_meta", {META_KEY: MODERN, "io.modelcontextprotocol/clientCapabilities": {}})
        exchange.replace_message({**exchange.message, "params": params})


def echo_requested_version(exchange: Exchange, body: dict[str, Any]) -> None:
    body["protocolVersion"] = exchange.params.get("protocolVersion")


def hide_tools(exchange: Exchange, body: dict[str, Any]) -> None:
    body.get("capabilities", {}).pop("tools", None)


def hide_tools_anywhere(exchange: Exchange, message: Message) -> Message | None:
    body = result(message)
    if exchange.method in ("initialize", "server/discover") and body is not None:
        hide_tools(exchange, body)
    return None


# -- HTTP ------------------------------------------------------------------------------------------
def text_plain(exchange: Exchange, answer: Answer) -> None:
    if exchange.verb == "POST" and answer.status == 200:
        answer.headers["content-type"] = "text/plain"


def notification_200(exchange: Exchange, answer: Answer) -> None:
    if answer.status == 202:
        answer.status, answer.body = 200, b'{"ok": true}'
        answer.headers["content-type"] = "application/json"


def garbage_200(exchange: Exchange, answer: Answer) -> None:
    if (exchange.message is None or not isinstance(exchange.message, dict)) and answer.status == 400:
        answer.status = 200


def mangle_session_id(exchange: Exchange, answer: Answer) -> None:
    if "mcp-session-id" in answer.headers:
        answer.headers["mcp-session-id"] = "sess " + answer.headers["mcp-session-id"]


def unmangle_session_id(exchange: Exchange) -> None:
    sid = exchange.headers.get("mcp-session-id", "")
    if sid.startswith("sess "):
        exchange.headers["mcp-session-id"] = sid[5:]


def status_404_to_400(exchange: Exchange, answer: Answer) -> None:
    if answer.status == 404:
        answer.status = 400


def remember_session(exchange: Exchange, answer: Answer) -> None:
    if "mcp-session-id" in answer.headers:
        exchange.state["last_session"] = answer.headers["mcp-session-id"]


def inject_session(exchange: Exchange) -> None:
    legacy = exchange.headers.get("mcp-protocol-version") == LEGACY
    missing = "mcp-session-id" not in exchange.headers and exchange.method != "initialize"
    if legacy and missing and "last_session" in exchange.state:
        exchange.headers["mcp-session-id"] = exchange.state["last_session"]


def delete_ignored(exchange: Exchange) -> Answer | None:
    return Answer(200, {}, b"") if exchange.verb == "DELETE" else None


def trust_body_routing(exchange: Exchange) -> None:
    if exchange.method and "mcp-method" in exchange.headers:
        exchange.headers["mcp-method"] = exchange.method
    if exchange.method == "tools/call" and isinstance(exchange.params.get("name"), str):
        exchange.headers["mcp-name"] = exchange.params["name"]


def get_json(exchange: Exchange) -> Answer | None:
    return json_answer(200, {"hello": "GET"}) if exchange.verb == "GET" else None


# -- JSON-RPC --------------------------------------------------------------------------------------
def invalid_request_answered(exchange: Exchange) -> Answer | None:
    message = exchange.message
    if isinstance(message, dict) and "id" in message and "method" not in message:
        return json_answer(200, {"jsonrpc": "2.0", "id": message["id"], "result": {}})
    return None


def dies_on_garbage(exchange: Exchange) -> Answer | None:
    version = exchange.headers.get("mcp-protocol-version", "")
    if version in exchange.state.setdefault("dead", set()):  # one "process" per protocol version
        return Answer(503, {"content-type": "text/plain"}, b"crashed")
    if exchange.verb == "POST" and not isinstance(exchange.message, dict):
        exchange.state["dead"].add(version)
    return None


def stringify_ids(exchange: Exchange, message: Message) -> Message | None:
    if isinstance(message.get("id"), int) and exchange.method != "initialize":
        message["id"] = str(message["id"])
    return None


def batch_processed(exchange: Exchange) -> Answer | None:
    if isinstance(exchange.message, list):
        replies = [
            {"jsonrpc": "2.0", "id": m.get("id"), "result": {}}
            for m in exchange.message
            if isinstance(m, dict)
        ]
        return json_answer(200, replies)
    return None


# -- tools -----------------------------------------------------------------------------------------
def repeat_first_tool(exchange: Exchange, body: dict[str, Any]) -> None:
    if "cursor" not in exchange.params:
        exchange.state["first_tool"] = body["tools"][0]
    elif "first_tool" in exchange.state:
        body["tools"].insert(0, exchange.state["first_tool"])


def accept_any_cursor(exchange: Exchange) -> None:
    cursor = exchange.params.get("cursor")
    if exchange.method == "tools/list" and isinstance(cursor, str) and not cursor.startswith("page-"):
        params = {k: v for k, v in exchange.params.items() if k != "cursor"}
        exchange.replace_message({**exchange.message, "params": params})


def rename_add(exchange: Exchange, body: dict[str, Any]) -> None:
    for tool in body.get("tools", []):
        if tool["name"] == "add":
            tool["name"] = "add numbers!"


def unrename_add(exchange: Exchange) -> None:
    if exchange.method == "tools/call" and exchange.params.get("name") == "add numbers!":
        exchange.replace_message({**exchange.message, "params": {**exchange.params, "name": "add"}})
        exchange.headers.pop("mcp-name", None)
        if "mcp-method" in exchange.headers:
            exchange.headers["mcp-name"] = "add"


def drop_input_schema(exchange: Exchange, body: dict[str, Any]) -> None:
    for tool in body.get("tools", []):
        tool.pop("inputSchema", None)


def break_input_schema(exchange: Exchange, body: dict[str, Any]) -> None:
    for tool in body.get("tools", []):
        if tool["name"] == "add":
            tool["inputSchema"]["properties"]["a"]["type"] = "integr"


def break_output_schema(exchange: Exchange, body: dict[str, Any]) -> None:
    for tool in body.get("tools", []):
        if tool["name"] == "add":
            tool["outputSchema"]["required"] = "total"


def mismatch_structured(exchange: Exchange, body: dict[str, Any]) -> None:
    structured = body.get("structuredContent")
    if isinstance(structured, dict) and "total" in structured:
        structured["total"] = "many"


def drop_content(exchange: Exchange, body: dict[str, Any]) -> None:
    body.pop("content", None)


def unknown_tool_is_error(exchange: Exchange, message: Message) -> Message | None:
    error = message.get("error")
    if (
        exchange.method == "tools/call"
        and isinstance(error, dict)
        and "Unknown tool" in str(error.get("message"))
    ):
        text = [{"type": "text", "text": error["message"]}]
        return {"jsonrpc": "2.0", "id": message.get("id"), "result": {"content": text, "isError": True}}
    return None


def is_error_as_protocol_error(exchange: Exchange, message: Message) -> Message | None:
    body = result(message)
    if exchange.method == "tools/call" and body is not None and body.get("isError"):
        return {
            "jsonrpc": "2.0",
            "id": message.get("id"),
            "error": {"code": -32602, "message": "bad arguments"},
        }
    return None


RULES: tuple[Rule, ...] = (
    Rule(
        "discover-missing",
        "lifecycle.discover",
        on_request=short_circuit_method(
            "server/discover",
            json_answer(404, {"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "no"}}),
        ),
    ),
    Rule(
        "no-result-type",
        "lifecycle.result-type",
        on_response=map_messages(lambda ex, m: (result(m) or {}).pop("resultType", None) and None),
    ),
    Rule("meta-optional", "lifecycle.meta-required", on_request=lambda ex: meta_optional(ex)),
    Rule("any-version", "lifecycle.unsupported-version", on_request=lambda ex: any_version(ex)),
    Rule("any-version-header", "http.protocol-version-header", on_request=lambda ex: any_version(ex)),
    Rule(
        "no-server-info",
        "lifecycle.initialize",
        on_response=on_method("initialize", lambda ex, body: body.pop("serverInfo", None)),
    ),
    Rule(
        "echo-any-version",
        "lifecycle.version-negotiation",
        on_response=on_method("initialize", echo_requested_version),
    ),
    Rule(
        "hide-tools-capability",
        "lifecycle.capabilities-honoured",
        on_response=map_messages(hide_tools_anywhere),
    ),
    Rule(
        "ping-not-empty",
        "lifecycle.ping",
        on_response=on_method("ping", lambda ex, body: body.update(pong=True)),
    ),
    Rule("text-plain", "http.response-body", on_response=text_plain),
    Rule("notification-200", "http.notification-202", on_response=notification_200),
    Rule(
        "accept-ignored",
        "http.accept-required",
        on_request=lambda ex: ex.headers.update(accept="application/json, text/event-stream"),
    ),
    Rule(
        "origin-ignored",
        "http.origin-validated",
        on_request=lambda ex: ex.headers.pop("origin", None) and None,
    ),
    Rule("garbage-200", "http.malformed-body-4xx", on_response=garbage_200),
    Rule(
        "session-id-space",
        "http.session-id-format",
        on_request=lambda ex: unmangle_session_id(ex),
        on_response=mangle_session_id,
    ),
    Rule("unknown-session-400", "http.session-unknown-404", on_response=status_404_to_400),
    Rule(
        "session-optional",
        "http.session-required-400",
        on_request=lambda ex: inject_session(ex),
        on_response=remember_session,
    ),
    Rule("delete-ignored", "http.session-delete", on_request=delete_ignored),
    Rule("method-header-ignored", "http.mcp-method-header", on_request=lambda ex: trust_body_routing(ex)),
    Rule("name-header-ignored", "http.mcp-name-header", on_request=lambda ex: trust_body_routing(ex)),
    Rule("get-json", "http.get-endpoint", on_request=get_json),
    Rule("parse-error-code", "jsonrpc.parse-error", on_response=error_code(-32700, -32603)),
    Rule("invalid-request-answered", "jsonrpc.invalid-request", on_request=invalid_request_answered),
    Rule("invalid-request-code", "jsonrpc.invalid-request-code", on_response=error_code(-32600, -32603)),
    Rule("dies-on-garbage", "jsonrpc.survives-garbage", on_request=dies_on_garbage),
    Rule("method-not-found-code", "jsonrpc.method-not-found", on_response=error_code(-32601, -32600)),
    Rule("invalid-params-code", "jsonrpc.invalid-params", on_response=error_code(-32602, -32603)),
    Rule("ids-stringified", "jsonrpc.id-echo", on_response=map_messages(stringify_ids)),
    Rule("batch-processed", "jsonrpc.batch-rejected", on_request=batch_processed),
    Rule("pagination-repeats", "tools.pagination", on_response=on_method("tools/list", repeat_first_tool)),
    Rule("any-cursor", "tools.invalid-cursor", on_request=lambda ex: accept_any_cursor(ex)),
    Rule(
        "bad-tool-name",
        "tools.name-format",
        on_request=lambda ex: unrename_add(ex),
        on_response=on_method("tools/list", rename_add),
    ),
    Rule("tool-without-input-schema", "tools.list", on_response=on_method("tools/list", drop_input_schema)),
    Rule(
        "input-schema-invalid", "tools.input-schema", on_response=on_method("tools/list", break_input_schema)
    ),
    Rule(
        "output-schema-invalid",
        "tools.output-schema",
        on_response=on_method("tools/list", break_output_schema),
    ),
    Rule(
        "structured-mismatch",
        "tools.structured-content",
        on_response=on_method("tools/call", mismatch_structured),
    ),
    Rule("content-missing", "tools.content-present", on_response=on_method("tools/call", drop_content)),
    Rule("unknown-tool-is-error", "tools.unknown-tool", on_response=map_messages(unknown_tool_is_error)),
    Rule(
        "bad-arguments-protocol-error",
        "tools.bad-arguments-is-error",
        on_response=map_messages(is_error_as_protocol_error),
    ),
    *ROBUSTNESS_RULES,
    *FEATURE_RULES,
)
RULES_BY_NAME = {rule.name: rule for rule in RULES}
__all__ = ["RULES", "RULES_BY_NAME", "json"]
