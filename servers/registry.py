"""The reference servers by name; the CLI and the launcher look them up here."""

from __future__ import annotations

import importlib
from typing import Any

from servers.common.runner import ServerSpec

SERVER_MODULES: dict[str, tuple[str, str]] = {
    "weather": ("servers.weather.server", "WEATHER"),
    "wallet": ("servers.wallet.server", "WALLET"),
    "knowledge": ("servers.knowledge.server", "KNOWLEDGE"),
}


class UnknownServer(KeyError):
    def __str__(self) -> str:
        return f"unknown server {self.args[0]!r}; choose one of {', '.join(SERVER_MODULES)}"


def server_spec(name: str) -> ServerSpec[Any]:
    """Import only the server asked for, so `serve weather` does not load FAISS."""
    if name not in SERVER_MODULES:
        raise UnknownServer(name)
    module, attribute = SERVER_MODULES[name]
    spec: ServerSpec[Any] = getattr(importlib.import_module(module), attribute)
    return spec


def server_specs() -> dict[str, ServerSpec[Any]]:
    return {name: server_spec(name) for name in SERVER_MODULES}
