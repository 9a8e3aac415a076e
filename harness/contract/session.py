"""A protocol session over a raw wire: how a request is framed for 2026-07-28 or 2025-11-25.

2026-07-28 is stateless: each request carries ``_meta`` (protocol version, client capabilities)
and, over HTTP, the ``MCP-Protocol-Version``, ``Mcp-Method`` and ``Mcp-Name`` headers.
2025-11-25 opens with ``initialize`` / ``notifications/initialized`` and then carries the version
header and, if the server issued one, the ``Mcp-Session-Id``. Checks that want to break a rule
pass their own headers or body; everything else is framed correctly here, once.
"""

from __future__ import annotations

import base64
import itertools
from typing import Any

from harness.contract.http_wire import HttpWire
from harness.contract.stdio_wire import StdioWire
from harness.contract.target import TargetUnreachable
from harness.contract.wire import JsonRpcId, Reply, error_of, result_of

MODERN = "2026-07-28"
LEGACY = "2025-11-25"
PROTOCOL_VERSIONS: tuple[str, ...] = (MODERN, LEGACY)
VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion"
CAPABILITIES_META_KEY = "io.modelcontextprotocol/clientCapabilities"
NAME_BEARING = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}
CLIENT_INFO = {"name": "mcp-harness-contract", "version": "0.1.0"}


def encode_header_value(value: str) -> str:
    """Printable ASCII travels verbatim; anything else in the ``=?base64?…?=`` form the spec defines."""
    if value.isascii() and value.isprintable() and value == value.strip():
        return value
    return f"=?base64?{base64.b64encode(value.encode()).decode()}?="


def modern_meta() -> dict[str, Any]:
    return {VERSION_META_KEY: MODERN, CAPABILITIES_META_KEY: {}}


class McpSession:
    """Requests framed for one protocol version on one wire (HTTP or stdio)."""

    def __init__(self, version: str, wire: HttpWire | StdioWire) -> None:
        self.version = version
        self.wire = wire
        self.session_id: str | None = None
        self.initialize_result: dict[str, Any] | None = None
        self._ids = itertools.count(1000)  # clear of the fixed ids some checks send on purpose
        self.last_sent: tuple[Any, dict[str, str]] | None = None  # for one-line reproductions

    @property
    def is_http(self) -> bool:
        return isinstance(self.wire, HttpWire)

    @property
    def http(self) -> HttpWire:
        if not isinstance(self.wire, HttpWire):
            raise TypeError("not an HTTP session")
        return self.wire

    def next_id(self) -> int:
        return next(self._ids)

    async def open(self) -> None:
        """Legacy: the initialize handshake (its failure means the target is unusable)."""
        if self.version != LEGACY:
            return
        reply = await self.initialize(LEGACY)
        result = result_of(reply.response(0))
        if result is None:
            if not reply.messages and reply.status is None:
                raise TargetUnreachable(f"initialize unanswered: {reply.describe()}")
            raise VersionNotSpoken(f"no result: {reply.describe(200)}")
        if result.get("protocolVersion") != LEGACY:
            raise VersionNotSpoken(f"it offers protocolVersion {result.get('protocolVersion')!r}")
        self.initialize_result = result
        self.session_id = reply.headers.get("mcp-session-id")
        await self.notify("notifications/initialized")

    async def initialize(self, requested_version: str, capabilities: dict[str, Any] | None = None) -> Reply:
        body = {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": requested_version,
                "capabilities": capabilities or {},
                "clientInfo": CLIENT_INFO,
            },
        }
        return await self.send(body, request_id=0, frame=False)

    def headers_for(self, method: str | None, params: dict[str, Any] | None) -> dict[str, str]:
        headers = {"MCP-Protocol-Version": self.version}
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
        if self.version == MODERN and method is not None:
            headers["Mcp-Method"] = method
            name_key = NAME_BEARING.get(method)
            if name_key and isinstance(params, dict) and isinstance(params.get(name_key), str):
                headers["Mcp-Name"] = encode_header_value(params[name_key])
        return headers

    def frame_params(self, params: dict[str, Any] | None) -> dict[str, Any] | None:
        if self.version != MODERN:
            return params
        framed = dict(params or {})
        framed["_meta"] = {**modern_meta(), **(framed.get("_meta") or {})}
        return framed

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        request_id: JsonRpcId | None = None,
        headers: dict[str, str] | None = None,
        timeout_s: float | None = None,
        progress_token: JsonRpcId | None = None,
    ) -> tuple[JsonRpcId, Reply]:
        """Send a correctly framed request; returns its id and the reply. With ``progress_token``
        the request asks for progress, and each note restarts the deadline (a slow tool is no hang)."""
        rid = self.next_id() if request_id is None else request_id
        if progress_token is not None:
            params = dict(params or {})
            params["_meta"] = {**(params.get("_meta") or {}), "progressToken": progress_token}
        framed = self.frame_params(params)
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if framed is not None:
            body["params"] = framed
        merged = {**self.headers_for(method, framed), **(headers or {})}
        return rid, await self.send(
            body,
            request_id=rid,
            headers=merged,
            frame=False,
            timeout_s=timeout_s,
            progress_token=progress_token,
        )

    async def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A request whose success the caller relies on: returns the result or raises ProtocolFailure."""
        rid, reply = await self.request(method, params)
        response = reply.response(rid)
        result = result_of(response)
        if result is None:
            raise ProtocolFailure(method, reply, error_of(response))
        return result

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> Reply:
        body: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            body["params"] = params
        return await self.send(body, request_id=None, headers=self.headers_for(None, None), frame=False)

    async def send(
        self,
        body: Any,
        *,
        request_id: JsonRpcId | None,
        headers: dict[str, str] | None = None,
        raw: bool = False,
        frame: bool = True,
        timeout_s: float | None = None,
        progress_token: JsonRpcId | None = None,
    ) -> Reply:
        """Send ``body`` as it is (or as text with ``raw``); await ``request_id``'s response if given.

        Raises TimeoutError when no response arrived in time (over either transport)."""
        if frame and headers is None:
            headers = self.headers_for(None, None)
        self.last_sent = (body, dict(headers or {}))
        if isinstance(self.wire, HttpWire):
            return await self.wire.post(
                body,
                headers or {},
                raw=raw,
                await_id=request_id,
                timeout_s=timeout_s,
                progress_token=progress_token,
            )
        if progress_token is not None:
            self.wire.expect_progress(progress_token)
        await self.wire.send(body, raw=raw)
        if request_id is None and not raw:
            return Reply()
        reply = await self.wire.await_response(request_id, timeout_s, progress_token)
        if reply.timed_out and request_id is not None:
            raise TimeoutError(f"no response to request {request_id!r} within {reply.waited_s:.1f} s")
        return reply

    async def alive(self, timeout_s: float | None = None) -> tuple[bool, str]:
        """Does the server still answer a trivial request of the negotiated version?
        (ping when legacy, server/discover when modern)"""
        method = "ping" if self.version == LEGACY else "server/discover"
        try:
            rid, reply = await self.request(
                method, {} if self.version == MODERN else None, timeout_s=timeout_s
            )
        except TargetUnreachable as exc:
            return False, str(exc)
        except TimeoutError:
            return False, f"{method} unanswered for {timeout_s or 'the request timeout'} s"
        if result_of(reply.response(rid)) is None:
            return False, f"{method} → {reply.describe()}"
        return True, "answers"


class VersionNotSpoken(TargetUnreachable):
    """The target answered, but not in this protocol version (e.g. initialize refused)."""


class ProtocolFailure(Exception):
    """A request the check depended on did not succeed."""

    def __init__(self, method: str, reply: Reply, error: dict[str, Any] | None) -> None:
        detail = f"error {error.get('code')}: {error.get('message')}" if error else reply.describe()
        super().__init__(f"{method} failed: {detail}")
        self.reply = reply
