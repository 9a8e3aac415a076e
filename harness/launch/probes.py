"""Readiness probes (HTTP health endpoint, Redis PING, TCP accept), optionally from inside a network namespace.

A probe answers True only when the service really answers. Connections from a namespace are opened in
a fresh thread that first enters it (``setns`` is per thread, and a socket stays in the namespace it was
created in), so the launcher can probe services that are unreachable from its own namespace.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import socket
import threading
from collections.abc import Callable
from typing import TypeVar

import anyio

from harness.launch.child import CLONE_NEWNET
from harness.launch.supervisor import ReadinessProbe

T = TypeVar("T")


def in_netns(netns: str | None, work: Callable[[], T]) -> T:
    """Run ``work`` in a new thread that has entered ``netns`` (or directly when None); blocking."""
    if netns is None:
        return work()
    box: dict[str, object] = {}

    def body() -> None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            fd = os.open(f"/run/netns/{netns}", os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), f"setns({netns}) failed")
            finally:
                os.close(fd)
            box["value"] = work()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=body, name=f"netns-{netns}", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def exchange(host: str, port: int, payload: bytes, timeout_s: float = 1.0) -> bytes:
    """Connect, send ``payload`` (if any), return the first bytes answered (blocking)."""
    with socket.create_connection((host, port), timeout=timeout_s) as sock:
        if not payload:
            return b"connected"
        sock.sendall(payload)
        return sock.recv(64)


async def answers(host: str, port: int, payload: bytes, expect: bytes, netns: str | None = None) -> bool:
    def attempt() -> bool:
        try:
            return in_netns(netns, lambda: exchange(host, port, payload)).startswith(expect)
        except OSError:
            return False

    return await anyio.to_thread.run_sync(attempt)


def tcp_probe(host: str, port: int, netns: str | None = None) -> ReadinessProbe:
    async def probe() -> bool:
        return await answers(host, port, b"", b"connected", netns)

    return probe


def http_probe(host: str, port: int, path: str, netns: str | None = None) -> ReadinessProbe:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()

    async def probe() -> bool:
        return await answers(host, port, request, b"HTTP/1.1 200", netns)

    return probe


def redis_probe(host: str, port: int, netns: str | None = None) -> ReadinessProbe:
    async def probe() -> bool:
        return await answers(host, port, b"PING\r\n", b"+PONG", netns)

    return probe
