"""Fixtures of the fault-proxy tests (re-exported by the pytest plugin once integrated)."""

from __future__ import annotations

from harness.fixtures.chaos import echo_server, embedded_proxy_api, proxy_api, toxiproxy

__all__ = ["echo_server", "embedded_proxy_api", "proxy_api", "toxiproxy"]
