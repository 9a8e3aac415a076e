"""The mcp-harness pytest plugin (entry point ``pytest11``): fixtures and options for users and for us.

Thin by design: fixtures live in :mod:`harness.fixtures`, one module per area, and are re-exported here.
"""

from __future__ import annotations

from harness.fixtures.core import anyio_backend, redis_server, redis_url
from harness.fixtures.weather import weather_api, weather_clock, weather_spec

__all__ = ["anyio_backend", "redis_server", "redis_url", "weather_api", "weather_clock", "weather_spec"]
