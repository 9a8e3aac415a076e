"""One-line reproductions of a request that exposed a defect: a curl command for HTTP, a printf piped
into the command for stdio. Credentials given with ``--header`` are replaced by ``<redacted>``."""

from __future__ import annotations

import json
import shlex
from typing import Any

from harness.contract.session import CLIENT_INFO, LEGACY
from harness.contract.target import Target

DISPLAY_LIMIT = 400


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def shown(value: Any, limit: int = DISPLAY_LIMIT) -> str:
    """``value`` as compact JSON, cut for display (the JSON report keeps it whole)."""
    text = value if isinstance(value, str) else compact(value)
    return text if len(text) <= limit else text[:limit] + f"…(+{len(text) - limit} chars)"


def legacy_preamble() -> list[dict[str, Any]]:
    initialize = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": CLIENT_INFO},
    }
    return [initialize, {"jsonrpc": "2.0", "method": "notifications/initialized"}]


def one_liner(target: Target, version: str, body: Any, headers: dict[str, str]) -> str:
    if target.kind == "stdio":
        lines = [*(legacy_preamble() if version == LEGACY else []), body]
        quoted = " ".join(shlex.quote(compact(line)) for line in lines)
        return f"printf '%s\\n' {quoted} | {shlex.join(target.command)}"
    parts = ["curl", "-sS", "-N", target.url]
    sent = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream", **headers}
    for name, value in sent.items():
        if name.lower() == "mcp-session-id":
            value = "<Mcp-Session-Id from initialize>"
        parts += ["-H", f"{name}: {value}"]
    parts += [arg for name in target.extra_headers for arg in ("-H", f"{name}: <redacted>")]
    parts += ["--data-binary", compact(body)]
    return shlex.join(parts)
