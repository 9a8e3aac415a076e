"""The reference servers by name; the CLI and the launcher look them up here."""

from __future__ import annotations

from typing import Any

from servers.common.runner import ServerSpec


def server_specs() -> dict[str, ServerSpec[Any]]:
    """Imported lazily so `serve weather` does not load FAISS."""
    from servers.knowledge.server import KNOWLEDGE
    from servers.wallet.server import WALLET
    from servers.weather.server import WEATHER

    return {"weather": WEATHER, "wallet": WALLET, "knowledge": KNOWLEDGE}
