"""Raw Streamable HTTP exchanges: the suite crafts every request itself so nothing is smoothed over.

An SDK client would retry, negotiate and hide defects; here each POST, GET or DELETE is one httpx
call whose status, headers and body (JSON, or SSE read until the awaited response) are kept as they
came. Transport failures become :class:`~harness.contract.target.TargetUnreachable`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import httpx

from harness.contract.target import TargetUnreachable
from harness.contract.wire import JsonRpcId, Reply, parse_sse

JSON_AND_SSE = "application/json, text/event-stream"


class HttpWire:
    """One base URL, one connection pool; every method returns a :class:`Reply`."""

    def __init__(self, url: str, client: httpx.AsyncClient, timeout_s: float) -> None:
        self.url = url
        self.client = client
        self.timeout_s = timeout_s

    async def post(
        self,
        body: Any,
        headers: dict[str, str] | None = None,
        *,
        raw: bool = False,
        await_id: JsonRpcId | None = None,
        accept: str = JSON_AND_SSE,
        timeout_s: float | None = None,
        progress_token: JsonRpcId | None = None,
    ) -> Reply:
        content = body if raw else json.dumps(body)
        all_headers = {"Content-Type": "application/json", "Accept": accept, **(headers or {})}
        return await self.exchange(
            "POST",
            all_headers,
            content=content,
            await_id=await_id,
            timeout_s=timeout_s,
            progress_token=progress_token,
        )

    async def exchange(
        self,
        verb: str,
        headers: dict[str, str],
        *,
        content: str | bytes | None = None,
        await_id: JsonRpcId | None = None,
        stream_peek: bool = False,
        timeout_s: float | None = None,
        progress_token: JsonRpcId | None = None,
    ) -> Reply:
        """Send one request; with ``stream_peek`` an SSE body is not read (only its headers are).

        Raises TimeoutError when the deadline passes; each progress note carrying ``progress_token``
        on the response stream restarts it, so a slow tool that reports progress is not a hang.
        """
        wait = self.timeout_s if timeout_s is None else timeout_s
        request = self.client.build_request(verb, self.url, headers=headers, content=content)
        started = anyio.current_time()
        try:
            with anyio.CancelScope(deadline=started + wait) as scope:

                def extend() -> None:
                    scope.deadline = anyio.current_time() + wait

                response = await self.client.send(request, stream=True)
                try:
                    reply = await read_reply(response, await_id, stream_peek, progress_token, extend)
                finally:
                    with anyio.CancelScope(shield=True), anyio.move_on_after(1):
                        await response.aclose()
                reply.waited_s = anyio.current_time() - started
                return reply
        except httpx.ReadTimeout as exc:
            raise TimeoutError(f"{verb} {self.url}: no answer") from exc
        except httpx.TransportError as exc:
            raise TargetUnreachable(f"{verb} {self.url}: {type(exc).__name__}: {exc}") from exc
        raise TimeoutError(f"{verb} {self.url}: no answer within {wait:g} s")


async def read_reply(
    response: httpx.Response,
    await_id: JsonRpcId | None,
    stream_peek: bool,
    progress_token: JsonRpcId | None = None,
    on_progress: Callable[[], None] | None = None,
) -> Reply:
    content_type = response.headers.get("content-type", "")
    reply = Reply(
        status=response.status_code,
        headers={k.lower(): v for k, v in response.headers.items()},
        content_type=content_type,
    )
    if content_type.startswith("text/event-stream"):
        if stream_peek:
            return reply
        text = await read_sse_until(response, await_id, progress_token, on_progress)
        reply.body = text
        reply.messages, reply.undecodable = parse_sse(text)
        return reply
    raw = (await response.aread()).decode("utf-8", "replace")
    reply.body = raw
    if raw.strip():
        try:
            decoded = json.loads(raw)
        except ValueError:
            reply.undecodable.append(raw[:500])
        else:
            reply.messages = decoded if isinstance(decoded, list) else [decoded]
    return reply


async def read_sse_until(
    response: httpx.Response,
    await_id: JsonRpcId | None,
    progress_token: JsonRpcId | None = None,
    on_progress: Callable[[], None] | None = None,
) -> str:
    """Read SSE lines until the stream ends or the response to ``await_id`` has arrived."""
    lines: list[str] = []
    event_start = 0
    async for line in response.aiter_lines():
        lines.append(line)
        if line.strip():
            continue
        messages, _ = parse_sse("\n".join(lines[event_start:]))
        event_start = len(lines)
        for message in messages:
            if not isinstance(message, dict):
                continue
            if await_id is not None and message.get("id") == await_id and "method" not in message:
                return "\n".join(lines) + "\n"
            params = message.get("params")
            if (
                on_progress is not None
                and message.get("method") == "notifications/progress"
                and isinstance(params, dict)
                and params.get("progressToken") == progress_token
            ):
                on_progress()
    return "\n".join(lines) + "\n"
