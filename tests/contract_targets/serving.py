"""Serve the fixture server over HTTP (JSON or SSE responses, optionally TLS), tampered with one rule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from servers.common.asgi_serving import serve_asgi
from servers.common.runner import transport_security
from servers.common.settings import ServerSettings, TlsSettings
from tests.contract_targets.breakages import RULES_BY_NAME
from tests.contract_targets.honest import HONEST_BY_NAME
from tests.contract_targets.reference import build_reference_server
from tests.contract_targets.tamper import Rule, Tamper


@asynccontextmanager
async def serve_fixture(
    rule: str | Rule | None = None, json_response: bool = True, tls: TlsSettings | None = None
) -> AsyncIterator[str]:
    """Yield the /mcp URL of a fresh fixture server breaking ``rule`` (None: correct)."""
    settings = ServerSettings(path="/mcp")
    app = build_reference_server().streamable_http_app(
        streamable_http_path="/mcp",
        json_response=json_response,
        stateless_http=False,
        transport_security=transport_security(settings),
    )
    chosen = ({**RULES_BY_NAME, **HONEST_BY_NAME})[rule] if isinstance(rule, str) else rule
    async with serve_asgi(Tamper(app, chosen), tls=tls) as listening:
        yield f"{listening.base_url}/mcp"
