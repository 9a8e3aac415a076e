"""The unusual fixture server as a real process: over HTTP (so it can really die, and be restarted by
``--restart-cmd``) or as a stdio command line."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import anyio

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.contract_targets.unusual"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_command(port: int, env: Mapping[str, str]) -> str:
    """A shell command line that starts the server on ``port`` (usable as --restart-cmd)."""
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    return f"cd {shlex.quote(str(ROOT))} && {assignments} exec {shlex.quote(sys.executable)} -m {MODULE} --http {port}"


def stdio_argv() -> list[str]:
    return [sys.executable, "-m", MODULE]


async def wait_listening(port: int, timeout_s: float = 20) -> None:
    with anyio.fail_after(timeout_s):
        while True:
            try:
                stream = await anyio.connect_tcp("127.0.0.1", port)
            except OSError:
                await anyio.sleep(0.05)
            else:
                await stream.aclose()
                return


@asynccontextmanager
async def http_server(env: Mapping[str, str]) -> AsyncIterator[tuple[str, str]]:
    """Yield (url, restart command) of the server started in its own process group; end the group."""
    port = free_port()
    command = http_command(port, env)
    process = await anyio.open_process(
        ["/bin/sh", "-c", command], start_new_session=True, stdout=None, stderr=None
    )
    try:
        await wait_listening(port)
        yield f"http://127.0.0.1:{port}/mcp", command
    finally:
        with anyio.CancelScope(shield=True):
            with suppress(OSError):
                os.killpg(process.pid, signal.SIGTERM)
            with anyio.move_on_after(5):
                await process.wait()
            if process.returncode is None:
                process.kill()
            await process.aclose()
