"""Raw Streamable HTTP exchanges: the suite crafts every request itself so nothing is smoothed over.

An SDK client would retry, negotiate and hide defects; here each POST, GET or DELETE is one httpx
call whose status, headers and body (JSON, or SSE read until the awaited response) are kept as they
came. Transport failures become :class:`~harness.contract.target.TargetUnreachable`.
"""

from __future__ import annotations

import json
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
    ) -> Reply:
        content = body if raw else json.dumps(body)
        all_headers = {"Content-Type": "application/json", "Accept": accept, **(headers or {})}
        return await self.exchange("POST", all_headers, content=content, await_id=await_id)

    async def exchange(
        self,
        verb: str,
        headers: dict[str, str],
        *,
        content: str | bytes | None = None,
        await_id: JsonRpcId | None = None,
        stream_peek: bool = False,
    ) -> Reply:
        """Send one request; with ``stream_peek`` an SSE body is not read (only its headers are)."""
        request = self.client.build_request(verb, self.url, headers=headers, content=content)
        try:
            with anyio.fail_after(self.timeout_s):
                response = await self.client.send(request, stream=True)
                try:
                    return await read_reply(response, await_id, stream_peek)
                finally:
                    await response.aclose()
        except httpx.TransportError as exc:
            raise TargetUnreachable(f"{verb} {self.url}: {type(exc).__name__}: {exc}") from exc


async def read_reply(response: httpx.Response, await_id: JsonRpcId | None, stream_peek: bool) -> Reply:
    content_type = response.headers.get("content-type", "")
    reply = Reply(
        status=response.status_code,
        headers={k.lower(): v for k, v in response.headers.items()},
        content_type=content_type,
    )
    if content_type.startswith("text/event-stream"):
        if stream_peek:
            return reply
        text = await read_sse_until(response, await_id)
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


async def read_sse_until(response: httpx.Response, await_id: JsonRpcId | None) -> str:
    """Read SSE lines until the stream ends or the response to ``await_id`` has arrived."""
    lines: list[str] = []
    async for line in response.aiter_lines():
        lines.append(line)
        if await_id is not None and not line.strip():
            messages, _ = parse_sse("\n".join(lines))
            if any(isinstance(m, dict) and m.get("id") == await_id and "method" not in m for m in messages):
                break
    return "\n".join(lines) + "\n"
