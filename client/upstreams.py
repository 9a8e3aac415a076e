"""Sessions to many MCP servers, each owned by a supervisor task that keeps it alive.

One :class:`Upstream` per configured server. Its supervisor task opens the SDK ``Client`` (a URL over
Streamable HTTP, optionally mTLS, or a stdio command), lists the tools, then probes the server every
``health_interval_s`` with a fresh ``tools/list`` (which doubles as the refresh), and sooner when the
server announces ``notifications/tools/list_changed`` or a call hit a transport failure. Legacy
sessions carry that notification themselves; on 2026-07-28 sessions a child task holds a
``subscriptions/listen`` stream for it (:mod:`client.change_stream`). When the session breaks it
closes it and reconnects with exponential backoff and jitter. The ``Client`` and that child's task
group are opened and closed in the same task, as the SDK's task groups require; calls from request
handlers use the ``Client`` concurrently, so one request must never be able to end the session: its
transport refuses unencodable messages per request (:mod:`client.encodable`) and turns a failed POST
into that request's error (:mod:`client.upstream_transport`). :class:`UpstreamPool` runs all
supervisors and waits for their first attempt.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from typing import Any, TypeVar

import anyio
import mcp_types as types
from anyio.abc import TaskGroup
from mcp import Client, StdioServerParameters
from mcp.client.session import IncomingMessage
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from client.change_stream import follow_tool_list_changes
from client.encodable import UnencodableMessage, encoding_checked
from client.errors import NOT_SENT, UNKNOWN, InvalidArguments, UpstreamRejected, UpstreamUnavailable
from client.settings import ClientSettings, UpstreamSettings
from client.tls import describe_failure, upstream_http_client
from client.upstream_transport import TRANSPORT_FAILURE, transport_failure_outcome

logger = logging.getLogger(__name__)
MAX_TOOL_PAGES = 50
# The SDK reports a lost connection as -32000 and an HTTP 5xx answer as -32603: both say "the server
# failed", not "the request was wrong", so they count as unavailability (retryable, breaker failures).
TRANSIENT_ERROR_CODES = frozenset({types.CONNECTION_CLOSED, types.INTERNAL_ERROR})
SERVER_INFO_META = "io.modelcontextprotocol/serverInfo"
T = TypeVar("T")


def rejection(upstream: str, exc: MCPError) -> UpstreamRejected | UpstreamUnavailable:
    """What an upstream's JSON-RPC error becomes, on the SDK path and the fast path alike."""
    if exc.code in TRANSIENT_ERROR_CODES:
        return UpstreamUnavailable(f"{upstream!r}: {exc}", upstream=upstream)
    return UpstreamRejected(f"{upstream!r} answered with an error: {exc}", upstream=upstream)


class Upstream:
    """One server: its live session (when connected), its tools, and why it is down (when it is)."""

    def __init__(
        self,
        settings: UpstreamSettings,
        on_tools_changed: Callable[[], None],
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.name = settings.name
        self.tools: list[types.Tool] = []
        self.last_error: str | None = "not connected yet"
        self.protocol_version: str | None = None
        self.connections = 0
        self.first_attempt_done = anyio.Event()
        self._client: Client | None = None
        self._on_tools_changed = on_tools_changed
        self._wake = anyio.Event()
        self._rng = rng or random.Random()
        self._over_tls = bool(settings.url and settings.url.startswith("https://"))
        self._host: TaskGroup | None = None  # where calls run (see _abandonable); set by the pool

    @property
    def connected(self) -> bool:
        return self._client is not None

    def request_probe(self) -> None:
        """Ask the supervisor to probe (and refresh tools) now instead of at the next interval."""
        self._wake.set()

    async def call_tool(
        self, name: str, arguments: dict[str, Any], meta: dict[str, Any] | None = None
    ) -> types.CallToolResult:
        """Call ``name`` on this server (``meta``: extra ``_meta``, e.g. a traceparent); transport failures
        become :class:`UpstreamUnavailable` whose ``outcome`` says whether the request may have reached
        the server."""
        client = self._client
        if client is None:
            raise UpstreamUnavailable(
                f"{self.name!r} is not connected: {self.last_error}", upstream=self.name, outcome=NOT_SENT
            )
        try:
            result = await self._abandonable(lambda: client.call_tool(name, arguments, meta=meta))  # type: ignore[arg-type]
        except UnencodableMessage as exc:
            raise InvalidArguments(str(exc), upstream=self.name) from exc
        except MCPError as exc:
            if exc.code == TRANSPORT_FAILURE:
                self.request_probe()
                outcome = transport_failure_outcome(exc.error.data) or UNKNOWN
                raise UpstreamUnavailable(
                    f"{self.name!r}: {exc}", upstream=self.name, outcome=outcome
                ) from exc
            raised = rejection(self.name, exc)
            if isinstance(raised, UpstreamUnavailable):
                self.request_probe()
            raise raised from exc
        except Exception as exc:  # transport failures surface as many types (httpx2, anyio, groups)
            self.request_probe()
            raise UpstreamUnavailable(
                f"{self.name!r}: {describe_failure(exc, self._over_tls)}", upstream=self.name
            ) from exc
        if result.meta and SERVER_INFO_META in result.meta:  # the caller talks to the client, not to us
            meta = {k: v for k, v in result.meta.items() if k != SERVER_INFO_META}
            result = result.model_copy(update={"meta": meta or None})
        return result

    def run_calls_in(self, host: TaskGroup | None) -> None:
        """Where calls run (see :meth:`_abandonable`); None: in the caller's task."""
        self._host = host

    async def _abandonable(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run ``call`` in the pool's task group and wait for it; when the caller is cancelled (its
        deadline), leave at once. The SDK sends a courtesy cancel for an abandoned request, shielded for
        up to 5 s and, on a 2025-11-25 session, over the same (maybe blackholed) link: that cleanup must
        not hold the caller past its deadline, so it finishes in the background."""
        host = self._host
        if host is None:  # not run by a pool (unit use): plain await
            return await call()
        results, outcome = anyio.create_memory_object_stream[tuple[T | None, Exception | None]](1)
        scope = anyio.CancelScope()

        async def run() -> None:
            with scope, results:
                try:
                    answer: tuple[T | None, Exception | None] = (await call(), None)
                except Exception as exc:  # handed to the caller as itself
                    answer = (None, exc)
                with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                    results.send_nowait(answer)

        host.start_soon(run, name=f"call-{self.name}")
        with outcome:
            try:
                value, error = await outcome.receive()
            except anyio.EndOfStream:  # the pool stopped under the call
                raise UpstreamUnavailable(
                    f"{self.name!r}: the client is shutting down", upstream=self.name
                ) from None
            finally:
                scope.cancel()  # a no-op once the call finished; otherwise it is abandoned, not awaited
        if error is not None:
            raise error
        return value  # type: ignore[return-value]

    async def supervise(self) -> None:
        """Connect, watch, reconnect — until cancelled."""
        backoff = self.settings.reconnect_initial_s
        while True:
            try:
                await self._connect_and_watch()
            except Exception as exc:  # any failure of a session means: reconnect
                self.last_error = describe_failure(exc, over_tls=self._over_tls)
                logger.warning("upstream %s down: %s", self.name, self.last_error)
            finally:
                self._client = None
                self.first_attempt_done.set()
            if self.connections and self.last_error is None:
                self.last_error = "session closed"
            delay = backoff * (0.5 + self._rng.random())
            await anyio.sleep(delay)
            backoff = min(self.settings.reconnect_max_s, backoff * 2)
            if self._connected_long_enough:
                backoff = self.settings.reconnect_initial_s

    _connected_long_enough = False

    async def _connect_and_watch(self) -> None:
        self._connected_long_enough = False
        with anyio.CancelScope() as scope:
            scope.deadline = anyio.current_time() + self.settings.connect_timeout_s
            async with AsyncExitStack() as stack:
                client = await stack.enter_async_context(self._build_client(stack))
                tools = await list_all_tools(client)
                scope.deadline = math.inf
                self._set_tools(tools)
                self._client = client
                self.protocol_version = client.protocol_version
                self.connections += 1
                self.last_error = None
                self._connected_long_enough = True
                self.first_attempt_done.set()
                logger.info(
                    "upstream %s connected (%s, %d tools)", self.name, client.protocol_version, len(tools)
                )
                await self._watch_beside_change_stream(client)
        if scope.cancelled_caught:
            raise TimeoutError(f"no session within {self.settings.connect_timeout_s:g} s")

    def _build_client(self, stack: AsyncExitStack) -> Client:
        s = self.settings
        common: dict[str, Any] = {"mode": s.mode, "message_handler": self._on_message, "cache": None}
        if s.command:
            params = StdioServerParameters(command=s.command, args=list(s.args), env=s.env)
            return Client(encoding_checked(stdio_client(params)), **common)
        assert s.url is not None
        http_client = upstream_http_client(s.tls, s.connect_timeout_s)
        stack.push_async_callback(http_client.aclose)
        return Client(encoding_checked(streamable_http_client(s.url, http_client=http_client)), **common)

    async def _watch_beside_change_stream(self, client: Client) -> None:
        """Probe in this task while a child holds the listen stream; a failed probe ends both."""
        failure: Exception | None = None
        async with anyio.create_task_group() as tg:
            tg.start_soon(follow_tool_list_changes, client, self.settings, self.request_probe, self._rng)
            try:
                await self._watch(client)
            except Exception as exc:  # re-raised as itself below, not wrapped in a group
                failure = exc
            tg.cancel_scope.cancel()
        if failure is not None:
            raise failure

    async def _watch(self, client: Client) -> None:
        while True:
            with anyio.move_on_after(self.settings.health_interval_s):
                await self._wake.wait()
            self._wake = anyio.Event()
            with anyio.fail_after(self.settings.connect_timeout_s):
                tools = await list_all_tools(client)
            self._set_tools(tools)

    def _set_tools(self, tools: list[types.Tool]) -> None:
        changed = [t.model_dump() for t in tools] != [t.model_dump() for t in self.tools]
        self.tools = tools
        if changed:
            self._on_tools_changed()

    async def _on_message(self, message: IncomingMessage) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            self.request_probe()
        await anyio.lowlevel.checkpoint()


async def list_all_tools(client: Client) -> list[types.Tool]:
    tools: list[types.Tool] = []
    cursor: str | None = None
    for _ in range(MAX_TOOL_PAGES):
        page = await client.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if cursor is None:
            break
    return tools


class UpstreamPool:
    """Every upstream's supervisor, run together; a slow or dead one never blocks the others."""

    def __init__(
        self, settings: ClientSettings, on_tools_changed: Callable[[], None], seed: int | None = None
    ) -> None:
        rng = random.Random(seed)
        self.upstreams: dict[str, Upstream] = {
            u.name: Upstream(u, on_tools_changed, random.Random(rng.random())) for u in settings.upstreams
        }

    def __getitem__(self, name: str) -> Upstream:
        return self.upstreams[name]

    def listings(self) -> dict[str, list[types.Tool]]:
        return {name: list(u.tools) for name, u in self.upstreams.items()}

    def ready(self) -> bool:
        return all(u.connected for u in self.upstreams.values() if u.settings.required)

    @asynccontextmanager
    async def running(self, first_attempt_timeout_s: float | None = None) -> AsyncIterator[UpstreamPool]:
        """Start the supervisors; return once each finished its first connection attempt (bounded)."""
        if first_attempt_timeout_s is None:
            first_attempt_timeout_s = max(
                (u.settings.connect_timeout_s for u in self.upstreams.values()), default=0
            )
            first_attempt_timeout_s += 1.0
        async with anyio.create_task_group() as tg:
            for upstream in self.upstreams.values():
                upstream.run_calls_in(tg)
                tg.start_soon(upstream.supervise, name=f"upstream-{upstream.name}")
            with anyio.move_on_after(first_attempt_timeout_s):
                for upstream in self.upstreams.values():
                    await upstream.first_attempt_done.wait()
            try:
                yield self
            finally:
                for upstream in self.upstreams.values():
                    upstream.run_calls_in(None)
                tg.cancel_scope.cancel()
