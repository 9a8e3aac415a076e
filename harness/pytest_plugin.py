"""The mcp-harness pytest plugin (entry point ``pytest11``): fixtures and options for users and for us.

Thin by design: fixtures live in :mod:`harness.fixtures`, one module per area, and are re-exported here.
"""

from __future__ import annotations

from harness.fixtures.chaos import echo_server, embedded_proxy_api, proxy_api, toxiproxy
from harness.fixtures.client import mtls_material
from harness.fixtures.core import anyio_backend, redis_server, redis_url
from harness.fixtures.wallet import wallet_settings
from harness.fixtures.weather import weather_api, weather_clock, weather_spec

__all__ = [
    "anyio_backend",
    "echo_server",
    "embedded_proxy_api",
    "mtls_material",
    "proxy_api",
    "redis_server",
    "redis_url",
    "toxiproxy",
    "wallet_settings",
    "weather_api",
    "weather_clock",
    "weather_spec",
]
