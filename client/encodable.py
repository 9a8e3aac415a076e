"""Strings that can never be sent: lone UTF-16 surrogates, refused per request, never per session.

JSON may carry ``"\\ud800"``; Python decodes it into a ``str`` that no UTF-8 encoder accepts. The SDK's
Streamable HTTP transport encodes each request inside the task group it shares with every other request
of the session, so one such string once tore the whole session down (and the retry did it again) while
other callers' calls were in flight. Two guards keep it to the one request:

* :func:`require_encodable` — the client's edge (MCP ``tools/call`` and REST) refuses such input with
  :class:`~client.errors.InvalidArguments` (400 / JSON-RPC -32602) before anything reaches an upstream.
* :func:`encoding_checked` — wraps any SDK client transport: a message that cannot be encoded fails its
  own ``send`` with :class:`UnencodableMessage`, so the session never sees it (defence in depth for any
  path that skips the edge check).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

from mcp.client._transport import Transport, TransportStreams, WriteStream
from mcp.shared.message import SessionMessage

from client.errors import InvalidArguments


class UnencodableMessage(ValueError):
    """A message holds a string that cannot be encoded as UTF-8; it was not sent."""


def first_unencodable(value: Any, path: str = "$") -> str | None:
    """The JSON path of the first string (value or object key) that is not valid UTF-8 text, or None."""
    if isinstance(value, str):
        return None if _encodes(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and not _encodes(key):
                return f"{path} (an object key)"
            found = first_unencodable(item, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = first_unencodable(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _encodes(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def require_encodable(name: str, arguments: dict[str, Any]) -> None:
    """Raise :class:`InvalidArguments` (outcome ``not_sent``) if the name or an argument cannot be sent."""
    if not _encodes(name):
        raise InvalidArguments("the tool name holds a lone UTF-16 surrogate and cannot be encoded")
    where = first_unencodable(arguments, "arguments")
    if where is not None:
        raise InvalidArguments(f"{where} holds a lone UTF-16 surrogate and cannot be encoded")


class EncodingCheckedWriteStream:
    """A transport's write stream that refuses, per message, what the transport could not encode."""

    def __init__(self, inner: WriteStream[SessionMessage]) -> None:
        self._inner = inner

    async def send(self, item: SessionMessage, /) -> None:
        message = item.message
        for field in ("method", "params", "result"):
            where = first_unencodable(getattr(message, field, None), field)
            if where is not None:
                raise UnencodableMessage(f"{where} holds a lone UTF-16 surrogate; the message was not sent")
        await self._inner.send(item)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> EncodingCheckedWriteStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        await self.aclose()
        return None


@asynccontextmanager
async def encoding_checked(transport: Transport) -> AsyncIterator[TransportStreams]:
    """``transport`` with its write stream checked (see :class:`EncodingCheckedWriteStream`)."""
    async with transport as (read_stream, write_stream):
        yield read_stream, EncodingCheckedWriteStream(write_stream)
