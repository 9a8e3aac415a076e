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


class StdioWire:
    """A running stdio server; ``send`` writes a line, ``await_response`` reads until an id answers."""

    def __init__(self, target: Target, timeout_s: float, task_group: anyio.abc.TaskGroup) -> None:
        self.target = target
        self.timeout_s = timeout_s
        self.process: anyio.abc.Process | None = None
        self.inbox: list[Any] = []
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
            self.inbox.append(json.loads(line))
        except ValueError:
            self.undecodable.append(line[:500])
        self._wake()

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

    async def await_response(self, request_id: JsonRpcId | None, timeout_s: float | None = None) -> Reply:
        """Collect messages until the response to ``request_id`` (None: any response) arrives."""
        reply = Reply()
        deadline = self.timeout_s if timeout_s is None else timeout_s
        with anyio.move_on_after(deadline):
            while True:
                while self.inbox:
                    message = self.inbox.pop(0)
                    reply.messages.append(message)
                    if reply.response(request_id) is not None:
                        return reply
                if self.closed:
                    break
                await self.arrived.wait()
        reply.undecodable, self.undecodable = self.undecodable, []
        return reply

    def drain(self) -> list[Any]:
        messages, self.inbox = self.inbox, []
        return messages

    def exit_account(self) -> str:
        code = None if self.process is None else self.process.returncode
        tail = " | ".join(list(self.stderr_tail)[-5:])
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
