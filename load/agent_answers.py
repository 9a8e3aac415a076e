"""Judging one agent turn's HTTP answer (kept free of Locust, so tests and tools can import it)."""

from __future__ import annotations

import json


def judge_turn(status: int, content: bytes, require_tools_ok: bool) -> str | None:
    """Why a turn failed, or None when it is a good answer."""
    if status != 200:
        return f"HTTP {status}: {content[:200].decode(errors='replace')}"
    try:
        body = json.loads(content)
    except ValueError:
        return "the answer is not JSON"
    if not isinstance(body, dict) or not isinstance(body.get("answer"), str) or not body["answer"]:
        return "no answer in the reply"
    if not isinstance(body.get("trace"), list):
        return "no trace in the reply"
    if body.get("stop_reason") != "answer":
        return f"the turn stopped early: {body.get('stop_reason')}"
    failed = [t.get("tool") for t in body["trace"] if isinstance(t, dict) and not t.get("ok")]
    if require_tools_ok and failed:
        return f"tool calls failed: {', '.join(map(str, failed))}"
    return None
