"""Honest but unusual servers: they break no rule, so the suite must not fail a MUST on them."""

from __future__ import annotations

from tests.contract_targets.tamper import Answer, Exchange, Rule, json_answer

MODERN = "2026-07-28"
META_KEY = "io.modelcontextprotocol/protocolVersion"


def speaks_modern(exchange: Exchange) -> bool:
    meta = exchange.params.get("_meta")
    return exchange.headers.get("mcp-protocol-version") == MODERN or (
        isinstance(meta, dict) and meta.get(META_KEY) == MODERN
    )


def legacy_only(exchange: Exchange) -> Answer | None:
    """A 2025-11-25 server: it knows no server/discover (-32601) and wants a session for the rest."""
    if exchange.verb != "POST" or not isinstance(exchange.message, dict) or not speaks_modern(exchange):
        return None
    rid = exchange.message.get("id")
    if exchange.method == "server/discover":
        return json_answer(
            200, {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "Method not found"}}
        )
    error = {"code": -32600, "message": "Bad Request: Missing session ID"}
    return json_answer(400, {"jsonrpc": "2.0", "id": rid, "error": error})


def legacy_only_plain_404(exchange: Exchange) -> Answer | None:
    """A 2025-11-25 server whose framework answers what it does not route with a plain 404 page."""
    if exchange.verb != "POST" or not isinstance(exchange.message, dict) or not speaks_modern(exchange):
        return None
    return Answer(404, {"content-type": "text/plain"}, b"Not Found")


def modern_only(exchange: Exchange) -> Answer | None:
    """A 2026-07-28 server: it refuses the 2025-11-25 handshake (and so every legacy session)."""
    if exchange.verb != "POST" or not isinstance(exchange.message, dict) or speaks_modern(exchange):
        return None
    if exchange.method == "initialize":
        error = {"code": -32602, "message": "Unsupported protocol version", "data": {"supported": [MODERN]}}
        return json_answer(400, {"jsonrpc": "2.0", "id": exchange.message.get("id"), "error": error})
    return None


HONEST_RULES: tuple[Rule, ...] = (
    Rule("legacy-only", "", on_request=legacy_only),
    Rule("legacy-only-plain-404", "", on_request=legacy_only_plain_404),
    Rule("modern-only", "", on_request=modern_only),
)
HONEST_BY_NAME = {rule.name: rule for rule in HONEST_RULES}
