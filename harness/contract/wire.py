"""What came back from one exchange with a server, whatever the transport.

HTTP gives a status, headers and a JSON or SSE body; stdio gives only messages. Checks read both
through :class:`Reply`, so a check written once runs over either transport.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JsonRpcId = int | str


@dataclass
class Reply:
    """The messages received for one request (or notification), plus the HTTP envelope if any."""

    messages: list[Any] = field(default_factory=list)
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = ""
    body: str = ""
    undecodable: list[str] = field(default_factory=list)
    waited_s: float = 0.0
    timed_out: bool = False  # the deadline passed before the awaited response arrived

    def response(self, request_id: JsonRpcId | None = None) -> dict[str, Any] | None:
        """The JSON-RPC response (result or error) for ``request_id``; any response if None."""
        for message in self.messages:
            if not isinstance(message, dict) or ("result" not in message and "error" not in message):
                continue
            if request_id is None or message.get("id") == request_id:
                if request_id is not None and type(message.get("id")) is not type(request_id):
                    continue
                return message
        return None

    def notifications(self, method: str | None = None) -> list[dict[str, Any]]:
        return [
            m
            for m in self.messages
            if isinstance(m, dict)
            and "method" in m
            and "id" not in m
            and (method is None or m["method"] == method)
        ]

    def describe(self, limit: int = 300) -> str:
        """A short human account of the reply for failure messages."""
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.content_type:
            parts.append(self.content_type.split(";")[0])
        if self.messages:
            parts.append(json.dumps(self.messages[-1])[:limit])
        elif self.body:
            parts.append(repr(self.body[:limit]))
        else:
            parts.append("no message")
        return " · ".join(parts)


def result_of(response: dict[str, Any] | None) -> dict[str, Any] | None:
    if response is None:
        return None
    result = response.get("result")
    return result if isinstance(result, dict) else None


def error_of(response: dict[str, Any] | None) -> dict[str, Any] | None:
    if response is None:
        return None
    error = response.get("error")
    return error if isinstance(error, dict) else None


def parse_sse(text: str) -> tuple[list[Any], list[str]]:
    """Decode the ``data:`` payloads of an SSE body into JSON messages (and those that were not JSON)."""
    messages: list[Any] = []
    bad: list[str] = []
    data_lines: list[str] = []

    def flush() -> None:
        if data_lines:
            payload = "\n".join(data_lines)
            data_lines.clear()
            try:
                messages.append(json.loads(payload))
            except ValueError:
                bad.append(payload)

    for line in text.splitlines():
        if not line.strip():
            flush()
        elif line.startswith("data:"):
            data_lines.append(line[5:].lstrip(" ") if line[5:6] == " " else line[5:])
    flush()
    return messages, bad
