"""The fixture server behind bearer-token authorization, correct or with one flaw, for the auth checks.

Correct: every request without ``Bearer <TOKEN>`` gets 401 with a ``WWW-Authenticate`` challenge
naming the RFC 9728 metadata, which is served at ``/.well-known/oauth-protected-resource/mcp``.
Each flaw breaks exactly one auth check (see ``AUTH_RULES``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from servers.common.asgi_serving import serve_asgi
from servers.common.runner import transport_security
from servers.common.settings import ServerSettings
from tests.contract_targets.reference import build_reference_server
from tests.contract_targets.tamper import Answer, Exchange, Rule, Tamper

TOKEN = "fixture-token-7f3a"
METADATA_PATH = "/.well-known/oauth-protected-resource/mcp"
FLAWS = {
    "no-challenge": "auth.www-authenticate",
    "metadata-without-servers": "auth.protected-resource-metadata",
    "invalid-token-500": "auth.invalid-token-401",
    "tools-open": "auth.nothing-without-credentials",
}
AUTH_RULES: tuple[Rule, ...] = tuple(Rule(flaw, check_id) for flaw, check_id in FLAWS.items())
OPEN_METHODS = ("tools/list", "tools/call")


async def respond(send: Any, status: int, body: bytes, headers: dict[str, str]) -> None:
    pairs = [(k.encode(), v.encode()) for k, v in {**headers, "content-length": str(len(body))}.items()]
    await send({"type": "http.response.start", "status": status, "headers": pairs})
    await send({"type": "http.response.body", "body": body, "more_body": False})


@dataclass
class Protected:
    app: Any
    base_url: str = ""
    flaw: str | None = None
    state: dict[str, Any] = field(default_factory=dict)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == METADATA_PATH:
            document: dict[str, Any] = {
                "resource": f"{self.base_url}/mcp",
                "authorization_servers": ["https://auth.invalid"],
            }
            if self.flaw == "metadata-without-servers":
                document.pop("authorization_servers")
            await respond(send, 200, json.dumps(document).encode(), {"content-type": "application/json"})
            return
        await Tamper(self.app, Rule("authorization", "", on_request=self.gate), self.state)(
            scope, receive, send
        )

    def gate(self, exchange: Exchange) -> Answer | None:
        """None lets the request through; otherwise the refusal (401, or the flaw's answer)."""
        authorization = exchange.headers.get("authorization")
        if authorization == f"Bearer {TOKEN}":
            return None
        if self.flaw == "tools-open" and exchange.method in OPEN_METHODS:
            return None
        if self.flaw == "invalid-token-500" and authorization:
            return Answer(500, {"content-type": "text/plain"}, b"token check crashed")
        challenge = f'Bearer realm="fixture", resource_metadata="{self.base_url}{METADATA_PATH}"'
        headers = {"content-type": "application/json"}
        if self.flaw != "no-challenge":
            headers["www-authenticate"] = challenge
        return Answer(401, headers, b'{"error": "unauthorized"}')


@asynccontextmanager
async def serve_protected(flaw: str | None = None) -> AsyncIterator[str]:
    """Yield the /mcp URL of the fixture server behind authorization (with ``flaw``, or correct)."""
    app = build_reference_server().streamable_http_app(
        streamable_http_path="/mcp",
        json_response=True,
        stateless_http=False,
        transport_security=transport_security(ServerSettings(path="/mcp")),
    )
    protected = Protected(app, flaw=flaw)
    async with serve_asgi(protected) as listening:
        protected.base_url = listening.base_url
        yield f"{listening.base_url}/mcp"
