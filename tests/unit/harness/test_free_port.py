"""Launched services get ports that no outgoing connection can take before they bind them."""

from __future__ import annotations

import socket

from harness.fakes.redis_server import ephemeral_range, free_port


def test_free_ports_lie_below_the_ephemeral_range_and_are_bindable() -> None:
    low, high = ephemeral_range()
    assert 1024 < low < high
    for _ in range(20):
        port = free_port()
        assert 10000 <= port < low
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
