"""The mcp-harness pytest plugin (entry point ``pytest11``): fixtures and options for users and for us.

``--mcp-target URL`` / ``--mcp-stdio CMD`` turn the contract suite into test items, one per check;
``*.yaml`` files in a ``scenarios`` directory are collected as scenarios, one item each.

Thin by design: fixtures live in :mod:`harness.fixtures`, one module per area, and are re-exported here.
"""

from __future__ import annotations

from harness.contract.pytest_hooks import (
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_report_header,
)
from harness.fixtures.chaos import echo_server, embedded_proxy_api, proxy_api, toxiproxy
from harness.fixtures.client import mtls_material
from harness.fixtures.core import anyio_backend, docker_mongo_url, docker_redis_url, redis_server, redis_url
from harness.fixtures.wallet import wallet_settings
from harness.fixtures.weather import weather_api, weather_clock, weather_spec
from harness.scenario.pytest_items import pytest_collect_file

__all__ = [
    "anyio_backend",
    "docker_mongo_url",
    "docker_redis_url",
    "echo_server",
    "embedded_proxy_api",
    "mtls_material",
    "proxy_api",
    "pytest_addoption",
    "pytest_collect_file",
    "pytest_collection_modifyitems",
    "pytest_report_header",
    "redis_server",
    "redis_url",
    "toxiproxy",
    "wallet_settings",
    "weather_api",
    "weather_clock",
    "weather_spec",
]
