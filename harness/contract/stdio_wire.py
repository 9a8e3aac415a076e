"""Newline-delimited JSON-RPC with a child process: the stdio transport, spoken by hand.

The process is spawned once per protocol session; a reader task files every stdout line as a
message, stderr is drained into a bounded tail (so a chatty server never blocks on a full pipe and
a crash can be explained). The reader tasks run in the caller's task group (the run's
:class:`~harness.contract.context.Connector`), so no cancel scope outlives the block that opened it.
Waiting for a response is always bounded by the caller's deadline.
"""

from __future__ import annotations

import json
import os
from collections import deque
from typing import Any

import anyio
import anyio.abc
from anyio.streams.text import TextReceiveStream

from harness.contract.target import Target, TargetUnreachable
from harness.contract.wire import JsonRpcId, Reply


def id_key(value: Any) -> tuple[str, str]:
    """A dict key that keeps 1 and "1" apart (an id must come back with its type)."""
    return type(value).__name__, json.dumps(value)


class StdioWire:
    """A running stdio server. Responses are filed by id and progress notes by token, so concurrent
    requests never take each other's messages and a late note from an earlier call reaches nobody."""

    def __init__(self, target: Target, timeout_s: float, task_group: anyio.abc.TaskGroup) -> None:
        self.target = target
        self.timeout_s = timeout_s
        self.process: anyio.abc.Process | None = None
        self.responses: dict[tuple[str, str], dict[str, Any]] = {}
        self.anonymous: list[Any] = []  # responses with a null id, and batch answers
        self.progress: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.inbox: list[Any] = []  # everything else the server sent on its own
        self.undecodable: list[str] = []
        self.stderr_tail: deque[str] = deque(maxlen=40)
        self.arrived = anyio.Event()
        self.closed = False
        self.task_group = task_group

    async def start(self) -> None:
        env = {**os.environ, **(self.target.env or {})}
        try:
            self.process = await anyio.open_process(list(self.target.command), env=env, cwd=self.target.cwd)
        except OSError as exc:
            raise TargetUnreachable(f"cannot start {self.target.label!r}: {exc}") from exc
        self.task_group.start_soon(self._read_stdout)
        self.task_group.start_soon(self._read_stderr)

    async def _read_stdout(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        buffer = ""
        try:
            async for chunk in TextReceiveStream(self.process.stdout, errors="replace"):
                buffer += chunk
                while "\n" in buffer:
                    line, buffer = buffer.split("\n", 1)
                    self._file(line)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass
        finally:
            self.closed = True
            self._wake()

    def _file(self, line: str) -> None:
        if not line.strip():
            return
        try:
            message = json.loads(line)
        except ValueError:
            self.undecodable.append(line[:500])
        else:
            self._route(message)
        self._wake()

    def _route(self, message: Any) -> None:
        if not isinstance(message, dict):
            self.anonymous.append(message)
        elif "method" not in message and ("result" in message or "error" in message):
            if message.get("id") is None:
                self.anonymous.append(message)
            else:
                self.responses[id_key(message["id"])] = message
        elif message.get("method") == "notifications/progress":
            token = (message.get("params") or {}).get("progressToken")
            notes = self.progress.get(id_key(token)) if isinstance(token, str | int) else None
            (notes if notes is not None else self.inbox).append(message)
        else:
            self.inbox.append(message)

    def _wake(self) -> None:
        self.arrived.set()
        self.arrived = anyio.Event()

    async def _read_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        try:
            async for chunk in TextReceiveStream(self.process.stderr, errors="replace"):
                self.stderr_tail.extend(chunk.splitlines())
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None and not self.closed

    async def send(self, message: Any, *, raw: bool = False) -> None:
        if self.process is None or self.process.stdin is None or not self.alive:
            raise TargetUnreachable(f"stdio server exited ({self.exit_account()})")
        line = message if raw else json.dumps(message)
        try:
            await self.process.stdin.send((line + "\n").encode())
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            raise TargetUnreachable(f"stdio server stopped reading: {self.exit_account()}") from exc

    def expect_progress(self, token: JsonRpcId) -> list[dict[str, Any]]:
        """Start filing progress notes carrying ``token``; returns the list they go to."""
        return self.progress.setdefault(id_key(token), [])

    async def await_response(
        self,
        request_id: JsonRpcId | None,
        timeout_s: float | None = None,
        progress_token: JsonRpcId | None = None,
    ) -> Reply:
        """The response to ``request_id`` (None: the next response nobody asked for by id, e.g. to
        garbage). Each progress note carrying ``progress_token`` restarts the deadline."""
        reply = Reply()
        wait = self.timeout_s if timeout_s is None else timeout_s
        notes = self.expect_progress(progress_token) if progress_token is not None else []
        seen = 0
        started = anyio.current_time()
        with anyio.CancelScope(deadline=started + wait) as scope:
            while True:
                if len(notes) > seen:
                    reply.messages.extend(notes[seen:])
                    seen = len(notes)
                    scope.deadline = anyio.current_time() + wait
                if request_id is None and self.anonymous:
                    reply.messages.append(self.anonymous.pop(0))
                    break
                if request_id is not None and id_key(request_id) in self.responses:
                    reply.messages.append(self.responses.pop(id_key(request_id)))
                    break
                if self.closed:
                    break
                await self.arrived.wait()
        reply.waited_s = anyio.current_time() - started
        reply.timed_out = scope.cancelled_caught
        reply.undecodable, self.undecodable = self.undecodable, []
        return reply

    def drain(self) -> list[Any]:
        """What the server sent on its own (not a response, not a note for a request in flight)."""
        messages, self.inbox = self.inbox, []
        return messages

    async def settle(self, wait_s: float = 2.0) -> None:
        """Give a dying process a moment to be reaped, so its exit status can be reported."""
        if self.process is not None and self.process.returncode is None:
            with anyio.move_on_after(wait_s):
                await self.process.wait()

    def exit_account(self) -> str:
        code = None if self.process is None else self.process.returncode
        tail = " | ".join([line for line in self.stderr_tail if line.strip()][-5:])
        return f"exit code {code}; stderr tail: {tail or '(empty)'}"

    async def aclose(self) -> None:
        if self.process is not None:
            if self.process.stdin is not None:
                with anyio.move_on_after(1):
                    await self.process.stdin.aclose()
            with anyio.move_on_after(2):
                await self.process.wait()
            if self.process.returncode is None:
                self.process.kill()
                with anyio.move_on_after(2, shield=True):
                    await self.process.wait()
            await self.process.aclose()
