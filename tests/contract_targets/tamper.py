"""An ASGI middleware that makes the correct fixture server break exactly one rule.

It buffers each POST, lets a :class:`Rule` rewrite the request or answer it outright, then lets the
rule rewrite the response (JSON or SSE, decoded message by message). GET streams pass through.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    cut: bool = False  # send half the body, then drop the connection

    @property
    def is_sse(self) -> bool:
        return self.headers.get("content-type", "").startswith("text/event-stream")

    def messages(self) -> list[Any]:
        text = self.body.decode("utf-8", "replace")
        if self.is_sse:
            return [json.loads(line[5:].strip()) for line in text.splitlines() if line.startswith("data:")]
        return [json.loads(text)] if text.strip() else []

    def set_messages(self, messages: list[Any]) -> None:
        if self.is_sse:
            self.body = "".join(f"event: message\ndata: {json.dumps(m)}\n\n" for m in messages).encode()
        elif messages:
            self.body = json.dumps(messages[0]).encode()


@dataclass
class Exchange:
    verb: str
    headers: dict[str, str]
    body: bytes
    state: dict[str, Any]
    message: Any = None
    parsed: bool = False

    def __post_init__(self) -> None:
        try:
            self.message = json.loads(self.body) if self.body else None
            self.parsed = self.body != b""
        except ValueError:
            self.message = None

    @property
    def method(self) -> str | None:
        return self.message.get("method") if isinstance(self.message, dict) else None

    @property
    def params(self) -> dict[str, Any]:
        params = self.message.get("params") if isinstance(self.message, dict) else None
        return params if isinstance(params, dict) else {}

    def replace_message(self, message: Any) -> None:
        self.message = message
        self.body = json.dumps(message).encode()


RequestHook = Callable[[Exchange], Any]
ResponseHook = Callable[[Exchange, Answer], None]


@dataclass(frozen=True)
class Rule:
    name: str
    breaks: str
    on_request: RequestHook | None = None
    on_response: ResponseHook | None = None
    versions: tuple[str, ...] = ()
    notes: str = ""


@dataclass
class Tamper:
    app: Any
    rule: Rule | None
    state: dict[str, Any] = field(default_factory=dict)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.rule is None:
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            event = await receive()
            chunks.append(event.get("body", b""))
            if not event.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        exchange = Exchange(scope["method"], headers, b"".join(chunks), self.state)
        if self.rule.on_request is not None:
            early = self.rule.on_request(exchange)
            if inspect.isawaitable(early):
                early = await early
            if early is not None:
                await send_answer(send, early)
                return
        scope = {**scope, "headers": [(k.encode(), v.encode()) for k, v in exchange.headers.items()]}
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": exchange.body, "more_body": False}
            return await receive()

        if exchange.verb == "GET" or self.rule.on_response is None:
            await self.app(scope, replay, send)
            return
        captured: dict[str, Any] = {"status": 500, "headers": {}, "body": b""}

        async def capture(event: dict[str, Any]) -> None:
            if event["type"] == "http.response.start":
                captured["status"] = event["status"]
                captured["headers"] = {k.decode().lower(): v.decode() for k, v in event.get("headers", [])}
            elif event["type"] == "http.response.body":
                captured["body"] += event.get("body", b"")

        await self.app(scope, replay, capture)
        answer = Answer(captured["status"], captured["headers"], captured["body"])
        self.rule.on_response(exchange, answer)
        await send_answer(send, answer)


async def send_answer(send: Any, answer: Answer) -> None:
    headers = {k: v for k, v in answer.headers.items() if k != "content-length"}
    headers["content-length"] = str(len(answer.body))
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        }
    )
    if answer.cut:
        await send(
            {"type": "http.response.body", "body": answer.body[: len(answer.body) // 2], "more_body": True}
        )
        raise ConnectionAbortedError("fixture: connection dropped mid-answer")
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


def json_answer(status: int, message: Any) -> Answer:
    return Answer(status, {"content-type": "application/json"}, json.dumps(message).encode())


def map_messages(function: Callable[[Exchange, Message], Message | None]) -> ResponseHook:
    """A response hook applying ``function`` to each decoded JSON-RPC message."""

    def hook(exchange: Exchange, answer: Answer) -> None:
        try:
            messages = answer.messages()
        except ValueError:
            return
        answer.set_messages([function(exchange, m) or m if isinstance(m, dict) else m for m in messages])

    return hook
