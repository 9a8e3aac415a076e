"""A real ``redis-server`` process on a free loopback port, for tests and the launcher.

Debian's redis-server does not start itself; we run it in the foreground with persistence off and
wait until it answers PING, so callers get a server that is ready or a clear error.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


class RedisServerUnavailable(RuntimeError):
    """redis-server is not installed or did not start; the message says which."""


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for the local ports of outgoing connections (Linux; a common default elsewhere)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port(host: str = "127.0.0.1", attempts: int = 64) -> int:
    """A port that is free now and that no outgoing connection will take before a child process binds it.

    A port from ``bind(0)`` lies in the ephemeral range, where any connection on the machine may pick it
    as its local port in the seconds before a launched service binds it (a pod then crash-loops on
    EADDRINUSE). So the port is drawn below that range and checked by binding; after ``attempts`` misses
    the kernel's own choice is returned.
    """
    low, _ = ephemeral_range()
    draw = random.SystemRandom()
    for _ in range(attempts if low > 11024 else 0):
        port = draw.randrange(10000, low)
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class RedisServerProcess:
    host: str = "127.0.0.1"
    port: int = 0
    startup_timeout_s: float = 10.0
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self) -> RedisServerProcess:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisServerUnavailable("redis-server not found on PATH (apt-get install -y redis-server)")
        if not self.port:
            self.port = free_port(self.host)
        self._process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode() if self._process.stderr else ""
                raise RedisServerUnavailable(f"redis-server exited with {self._process.returncode}: {err}")
            if self._answers_ping():
                return self
            time.sleep(0.02)
        self.stop()
        raise RedisServerUnavailable(f"redis-server did not answer PING within {self.startup_timeout_s} s")

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=5)
        self._process = None

    def __enter__(self) -> RedisServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
