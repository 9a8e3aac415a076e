"""``host:port`` strings as Toxiproxy takes and reports them: parse, resolve for binding, format back."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any


class AddressError(ValueError):
    """An address that cannot be split into host and port (the message reads like Go's)."""


@dataclass(frozen=True)
class HostPort:
    host: str
    port: int

    def __str__(self) -> str:
        return format_host_port(self.host, self.port)


def format_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def split_host_port(address: str) -> HostPort:
    """Go's ``net.SplitHostPort``: ``"[::1]:80"``, ``"localhost:0"``, ``":8474"``."""
    if address.startswith("["):
        end = address.find("]")
        if end < 0 or not address[end + 1 : end + 2] == ":":
            raise AddressError(f"address {address}: missing port in address")
        host, port_text = address[1:end], address[end + 2 :]
    else:
        host, sep, port_text = address.rpartition(":")
        if not sep:
            raise AddressError(f"address {address}: missing port in address")
        if ":" in host:
            raise AddressError(f"address {address}: too many colons in address")
    try:
        port = int(port_text)
    except ValueError:
        raise AddressError(f"address {address}: invalid port") from None
    if not 0 <= port <= 65535:
        raise AddressError(f"address {address}: invalid port")
    return HostPort(host, port)


def set_nodelay(sock: socket.socket) -> None:
    """Turn Nagle off: with it, a small write waits for the peer's delayed ACK (~40 ms on Linux).

    asyncio only does this itself for sockets created with ``proto=IPPROTO_TCP``; a socket made with
    ``socket.socket(family, SOCK_STREAM)`` (proto 0) and the sockets it accepts keep Nagle on, which
    put a 40 ms stall on most proxied HTTP round trips.
    """
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def bind_listener(address: str) -> tuple[socket.socket, str]:
    """Bind and listen on ``address``; returns the socket and the address actually bound.

    ``"localhost:0"`` reports ``"127.0.0.1:<port>"``; an empty host listens on every interface and
    reports ``"[::]:<port>"``, as Toxiproxy does. Raises ``OSError`` or :class:`AddressError`.
    """
    wanted = split_host_port(address or ":0")  # Go listens on every interface, a free port
    candidates: list[tuple[socket.AddressFamily, Any]]
    if wanted.host in ("", "::") and socket.has_ipv6:
        candidates = [(socket.AF_INET6, ("::", wanted.port))]
    else:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(
            wanted.host or None, wanted.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
        infos.sort(key=lambda info: info[0] != socket.AF_INET)  # Go prefers IPv4 for "localhost"
        candidates = [(info[0], info[4]) for info in infos]
    family, sockaddr = candidates[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        set_nodelay(sock)  # accepted sockets inherit it on Linux; the proxy sets it again on each one
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(sockaddr)
        sock.listen(1024)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    bound_host, bound_port = sock.getsockname()[:2]
    return sock, format_host_port(bound_host, bound_port)
