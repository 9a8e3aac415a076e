"""Open an SDK client to a reference server over any transport: in memory, stdio or Streamable HTTP.

Tests run every tool across this matrix (like the SDK's own interaction tests), and the launcher uses
the same code, so "works in-process" and "works over a socket" are the same claim.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from mcp import Client, StdioServerParameters
from pydantic import BaseModel

from servers.common.runner import ServerSpec, serve_http
from servers.common.settings import ServerSettings

ClientTransport = Literal["memory", "stdio", "http"]
ProtocolMode = Literal["auto", "legacy"]
PROTOCOL_OF_MODE: dict[ProtocolMode, str] = {"auto": "2026-07-28", "legacy": "2025-11-25"}


def settings_to_env(prefix: str, settings: BaseModel) -> dict[str, str]:
    """Flatten settings into ``PREFIX_FIELD`` / ``PREFIX_GROUP__FIELD`` env vars (JSON for lists)."""
    import json

    env: dict[str, str] = {}
    for key, value in settings.model_dump(mode="json").items():
        if isinstance(value, dict):
            for sub, subvalue in value.items():
                if subvalue is not None:
                    env[f"{prefix}{key.upper()}__{sub.upper()}"] = (
                        json.dumps(subvalue) if isinstance(subvalue, list | dict) else str(subvalue)
                    )
        elif value is not None:
            env[f"{prefix}{key.upper()}"] = (
                json.dumps(value) if isinstance(value, list | dict) else str(value)
            )
    return env


def env_prefix(spec: ServerSpec[Any]) -> str:
    return str(spec.settings_type.model_config.get("env_prefix") or "")


@asynccontextmanager
async def connect_server(
    spec: ServerSpec[Any],
    settings: ServerSettings,
    transport: ClientTransport = "memory",
    mode: ProtocolMode = "auto",
    read_timeout_s: float = 30.0,
) -> AsyncIterator[Client]:
    """Start ``spec`` with ``settings`` and yield a connected client (``mode`` picks the protocol)."""
    if transport == "stdio":
        env = {**os.environ, **settings_to_env(env_prefix(spec), settings)}
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "harness.cli", "serve", spec.name, "--transport", "stdio"],
            env=env,
        )
        async with Client(params, mode=mode, read_timeout_seconds=read_timeout_s) as client:
            yield client
        return
    async with spec.open(settings) as server:
        if transport == "memory":
            async with Client(server, mode=mode, read_timeout_seconds=read_timeout_s) as client:
                yield client
            return
        async with serve_http(server, settings) as listening:
            url = f"{listening.base_url}{settings.path}"
            async with Client(url, mode=mode, read_timeout_seconds=read_timeout_s) as client:
                yield client
