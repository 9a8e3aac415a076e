"""What a check gets: the target, the protocol version, settings, and sessions opened on demand.

One :class:`Connector` per (target, version) owns the connections — one httpx pool for HTTP, one
child process for stdio (restarted if a check killed it) — and closes them when the run ends, in
the task that opened them. The tool list is fetched once and shared.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import anyio
import anyio.abc
import httpx

from harness.contract.argument_examples import SchemaUnusable, schema_examples, valid_arguments
from harness.contract.http_wire import HttpWire
from harness.contract.outcomes import NOT_FOR_STDIO, CheckSkipped
from harness.contract.revival import RunState
from harness.contract.session import McpSession, ProtocolFailure
from harness.contract.settings import ContractSettings
from harness.contract.stdio_wire import StdioWire
from harness.contract.target import Target, TargetUnreachable
from harness.contract.tool_selection import split_callable


class Connector:
    """Opens sessions to one target for one protocol version; ``aclose`` ends them all."""

    def __init__(
        self, target: Target, version: str, settings: ContractSettings, run: RunState | None = None
    ) -> None:
        self.target = target
        self.version = version
        self.settings = settings
        self.run = run or RunState(settings)
        self.generation = 0  # bumped whenever this version's target is brought back (respawn, restart)
        self.stack = AsyncExitStack()
        self._client: httpx.AsyncClient | None = None
        self._shared: McpSession | None = None
        self._stdio_wires: list[StdioWire] = []
        self.task_group: anyio.abc.TaskGroup | None = None

    async def __aenter__(self) -> Connector:
        self.task_group = await self.stack.enter_async_context(anyio.create_task_group())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for wire in self._stdio_wires:
            await wire.aclose()
        self._stdio_wires.clear()
        if self.task_group is not None:
            self.task_group.cancel_scope.cancel()
        await self.stack.aclose()

    def http_wire(self) -> HttpWire:
        if self._client is None:
            # reads are bounded by each exchange's own deadline (progress may extend it), not by httpx
            timeout = httpx.Timeout(self.settings.request_timeout_s, read=None)
            verify = self.target.tls.ssl_context() if self.target.tls else True
            self._client = httpx.AsyncClient(
                timeout=timeout, headers=dict(self.target.extra_headers), verify=verify
            )
            self.stack.push_async_callback(self._client.aclose)
        return HttpWire(self.target.url, self._client, self.settings.request_timeout_s)

    async def new_session(self, opened: bool = True) -> McpSession:
        if self.target.kind == "http":
            wire: HttpWire | StdioWire = self.http_wire()
        else:
            if self.task_group is None:
                raise RuntimeError("use the Connector as an async context manager")
            wire = StdioWire(self.target, self.settings.request_timeout_s, self.task_group)
            self._stdio_wires.append(wire)
            await wire.start()
        session = McpSession(self.version, wire)
        if opened:
            await session.open()
        return session

    @property
    def current_shared(self) -> McpSession | None:
        return self._shared

    def forget_shared(self) -> None:
        self._shared = None

    async def respawn(self) -> str:
        """Stdio: end the shared process (dead or hung) so the next check gets a fresh one; returns
        its exit account. HTTP: nothing to do here (the runner decides, see revival)."""
        shared, self._shared = self._shared, None
        self.generation += 1
        if shared is None or not isinstance(shared.wire, StdioWire):
            return ""
        await shared.wire.settle()
        account = shared.wire.exit_account()
        await shared.wire.aclose()
        return account

    async def shared_session(self) -> McpSession:
        shared = self._shared
        if shared is not None and isinstance(shared.wire, StdioWire) and not shared.wire.alive:
            shared = None
        if shared is None:
            shared = self._shared = await self.new_session()
        return shared


class CheckContext:
    """Everything one check may use; created per check, sharing its run's :class:`Connector`."""

    def __init__(self, connector: Connector, tools_cache: dict[str, Any]) -> None:
        self.connector = connector
        self.target = connector.target
        self.version = connector.version
        self.settings = connector.settings
        self._tools_cache = tools_cache

    @property
    def is_http(self) -> bool:
        return self.target.kind == "http"

    def require_http(self) -> HttpWire:
        if not self.is_http:
            raise CheckSkipped(NOT_FOR_STDIO)
        return self.connector.http_wire()

    async def session(self) -> McpSession:
        return await self.connector.shared_session()

    async def fresh_session(self, opened: bool = True) -> McpSession:
        """A session of its own (a new process over stdio); ``opened=False`` skips initialize."""
        return await self.connector.new_session(opened)

    async def tools(self) -> list[dict[str, Any]]:
        """Every tool, across all pages (fetched once per run and version)."""
        if "tools" not in self._tools_cache:
            session = await self.session()
            collected: list[dict[str, Any]] = []
            cursor: str | None = None
            for _ in range(self.settings.max_pages):
                params: dict[str, Any] = {} if cursor is None else {"cursor": cursor}
                try:
                    result = await session.call("tools/list", params)
                except ProtocolFailure as exc:
                    raise CheckSkipped(f"cannot list tools: {exc}") from exc
                page = result.get("tools")
                collected.extend(t for t in page or [] if isinstance(t, dict))
                cursor = result.get("nextCursor")
                if not isinstance(cursor, str) or not cursor:
                    break
            self._tools_cache["tools"] = collected
        return list(self._tools_cache["tools"])

    async def callable_tools(self) -> list[dict[str, Any]]:
        """The tools this run may call (see tool_selection); skips the check when none is left."""
        tools, excluded = split_callable(await self.tools(), self.settings)
        if not tools:
            why = "; ".join(f"{name}: {reason}" for name, reason in excluded.items())
            raise CheckSkipped(f"no tool may be called ({why})" if why else "the server lists no tools")
        return tools

    async def call_examples(self, tool: dict[str, Any], count: int) -> list[dict[str, Any]]:
        """Up to ``count`` argument objects expected to succeed: known-good ones first, then generated.
        A schema nothing can be generated from gives only the known-good ones (tools.input-schema
        reports the schema itself)."""
        known = self.known_good(tool)
        if len(known) >= count:
            return known[:count]
        try:
            # the fuzzer's own list (generated once per tool and cached), so no second generation
            wanted = max(count, self.settings.fuzz_valid_examples)
            generated = await anyio.to_thread.run_sync(
                valid_arguments, tool.get("inputSchema") or {}, wanted, self.settings.fuzz_seed
            )
        except SchemaUnusable:
            generated = []
        return (known + [g for g in generated if g not in known])[:count]

    def known_good(self, tool: dict[str, Any]) -> list[dict[str, Any]]:
        """Calls expected to succeed: the user's ``--example``s, then the schema's examples/defaults."""
        given = list(self.settings.known_good.get(str(tool.get("name")), []))
        return given + [e for e in schema_examples(tool.get("inputSchema") or {}) if e not in given]


__all__ = ["CheckContext", "Connector", "TargetUnreachable"]
