"""Authorization checks (2025-11-25 authorization, RFC 9110, RFC 9728) for targets that answer 401 to
a request without credentials, and the Host-header (DNS rebinding) check beside the Origin one.

Requests here are sent on a client of their own that carries none of the user's ``--header`` values,
so the checks see what an anonymous caller sees; the values themselves are never shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from harness.contract.context import CheckContext
from harness.contract.http_transport import HTTP_ONLY, ping_body
from harness.contract.outcomes import CheckSkipped, expect
from harness.contract.registry import check
from harness.contract.session import McpSession

CHALLENGE = re.compile(
    r'^\s*Bearer(\s+[A-Za-z0-9_-]+="[^"]*"(\s*,\s*[A-Za-z0-9_-]+="[^"]*")*|\s*)$', re.IGNORECASE
)
RESOURCE_METADATA = re.compile(r'resource_metadata="([^"]+)"', re.IGNORECASE)
INVALID_TOKEN = "Bearer mcp-harness-contract-invalid-token"
HOSTILE_HOST = "rebind.attacker.invalid"
WELL_KNOWN = "/.well-known/oauth-protected-resource"


@asynccontextmanager
async def anonymous_client(ctx: CheckContext) -> AsyncIterator[httpx.AsyncClient]:
    verify = ctx.target.tls.ssl_context() if ctx.target.tls else True
    async with httpx.AsyncClient(timeout=ctx.settings.request_timeout_s, verify=verify) as client:
        yield client


def framed(
    session: McpSession, method: str, params: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": session.next_id(), "method": method}
    if method == "initialize":
        body["params"] = {
            "protocolVersion": session.version,
            "capabilities": {},
            "clientInfo": {"name": "c", "version": "0"},
        }
    elif params is not None or session.version != "2025-11-25":
        body["params"] = session.frame_params(params)
    headers = {
        **session.headers_for(method, body.get("params")),
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
    }
    headers.pop("Mcp-Session-Id", None)
    return body, headers


async def anonymous_post(
    ctx: CheckContext,
    client: httpx.AsyncClient,
    method: str,
    params: dict[str, Any] | None,
    extra: dict[str, str],
) -> httpx.Response:
    session = McpSession(ctx.version, ctx.connector.http_wire())
    body, headers = framed(session, method, params)
    return await client.post(ctx.target.url, json=body, headers={**headers, **extra})


async def challenge(ctx: CheckContext, client: httpx.AsyncClient) -> httpx.Response:
    """The answer to a first request without credentials; not applicable unless it is 401."""
    ctx.require_http()
    first = "initialize" if ctx.version == "2025-11-25" else "server/discover"
    response = await anonymous_post(ctx, client, first, {}, {})
    if response.status_code != 401:
        raise CheckSkipped(
            f"{first} without credentials got HTTP {response.status_code}, not 401 (no auth to check)"
        )
    return response


@check(
    "auth.www-authenticate",
    title="a 401 carries a well-formed WWW-Authenticate challenge",
    clause=(
        "RFC 9110 §11.6.1: a 401 response MUST send a WWW-Authenticate header with at least one challenge;"
        " 2025-11-25 authorization: servers use it to point at their resource metadata (RFC 9728 §5.1)"
    ),
    severity="MUST",
    transports=HTTP_ONLY,
)
async def www_authenticate(ctx: CheckContext) -> None:
    async with anonymous_client(ctx) as client:
        response = await challenge(ctx, client)
    value = response.headers.get("www-authenticate")
    expect(value is not None, "a WWW-Authenticate header on the 401", f"headers {sorted(response.headers)}")
    assert value is not None
    expect(bool(CHALLENGE.match(value)), 'a Bearer challenge (Bearer key="value", …)', repr(value[:200]))
    metadata = RESOURCE_METADATA.search(value)
    if metadata:
        parts = urlsplit(metadata.group(1))
        expect(
            parts.scheme in ("https", "http") and bool(parts.netloc),
            "resource_metadata an absolute URL",
            metadata.group(1),
        )


def metadata_urls(ctx: CheckContext, www_authenticate: str) -> list[str]:
    """Where the metadata is advertised (resource_metadata), else the RFC 9728 well-known URIs."""
    advertised = RESOURCE_METADATA.search(www_authenticate)
    if advertised:
        return [advertised.group(1)]
    parts = urlsplit(ctx.target.url)
    path = parts.path.rstrip("/")
    candidates = [WELL_KNOWN + path, WELL_KNOWN] if path else [WELL_KNOWN]
    return [urlunsplit((parts.scheme, parts.netloc, c, "", "")) for c in candidates]


@check(
    "auth.protected-resource-metadata",
    title="advertised protected-resource metadata is served and names its authorization servers",
    clause=(
        "2025-11-25 authorization: servers implementing it MUST serve OAuth 2.0 Protected Resource Metadata"
        " (RFC 9728) and it MUST list at least one authorization server in authorization_servers"
    ),
    severity="MUST",
    transports=HTTP_ONLY,
)
async def protected_resource_metadata(ctx: CheckContext) -> None:
    async with anonymous_client(ctx) as client:
        response = await challenge(ctx, client)
        header = response.headers.get("www-authenticate", "")
        advertised = RESOURCE_METADATA.search(header) is not None
        for url in metadata_urls(ctx, header):
            fetched = await client.get(url, headers={"Accept": "application/json"})
            if fetched.status_code != 200 and not advertised:
                continue  # not advertised and not served here (a 401 or 404 on the well-known URI)
            expect(fetched.status_code == 200, f"GET {url}: HTTP 200", f"HTTP {fetched.status_code}")
            try:
                document = fetched.json()
            except ValueError:
                document = None
            expect(isinstance(document, dict), f"{url}: a JSON object", repr(fetched.text[:200]))
            assert isinstance(document, dict)
            servers = document.get("authorization_servers")
            expect(
                isinstance(document.get("resource"), str),
                f"{url}: a resource identifier",
                json.dumps(document)[:200],
            )
            expect(
                isinstance(servers, list) and bool(servers) and all(isinstance(s, str) for s in servers),
                f"{url}: authorization_servers listing at least one",
                json.dumps(document)[:200],
            )
            return
    raise CheckSkipped(
        "no resource_metadata in the challenge and no well-known metadata (OAuth not advertised)"
    )


@check(
    "auth.invalid-token-401",
    title="an invalid bearer token gets 401, never 2xx or 5xx",
    clause="2025-11-25 authorization: invalid or expired tokens MUST receive an HTTP 401 response",
    severity="MUST",
    transports=HTTP_ONLY,
)
async def invalid_token(ctx: CheckContext) -> None:
    async with anonymous_client(ctx) as client:
        await challenge(ctx, client)
        method, params = ping_body(McpSession(ctx.version, ctx.connector.http_wire()))
        first = "initialize" if ctx.version == "2025-11-25" else method
        response = await anonymous_post(ctx, client, first, params, {"Authorization": INVALID_TOKEN})
    expect(response.status_code == 401, "HTTP 401 for an invalid token", f"HTTP {response.status_code}")


@check(
    "auth.nothing-without-credentials",
    title="no method is served to a caller without credentials",
    clause=(
        "2025-11-25 authorization: servers MUST validate access tokens and refuse requests without a"
        " valid one (401); authorization is required on every HTTP request"
    ),
    severity="MUST",
    transports=HTTP_ONLY,
)
async def nothing_without_credentials(ctx: CheckContext) -> None:
    probes: list[tuple[str, dict[str, Any] | None]] = [
        ("tools/list", {}),
        ("tools/call", {"name": "no_such_tool_for_contract_check", "arguments": {}}),
        ("prompts/list", {}),
        ("resources/list", {}),
    ]
    if ctx.version == "2025-11-25":
        probes.append(("ping", None))
    async with anonymous_client(ctx) as client:
        await challenge(ctx, client)
        for method, params in probes:
            response = await anonymous_post(ctx, client, method, params, {})
            expect(
                response.status_code in (401, 403),
                f"{method} without credentials: HTTP 401",
                f"HTTP {response.status_code} · {response.text[:160]!r}",
            )


@check(
    "http.host-validated",
    title="a request naming a foreign Host is refused (DNS rebinding)",
    clause=(
        "transports/streamable-http security (DNS rebinding): beside validating Origin, a server SHOULD"
        " refuse a Host it does not serve (the official suite's dns-rebinding-protection scenario)"
    ),
    severity="SHOULD",
    transports=HTTP_ONLY,
)
async def host_validated(ctx: CheckContext) -> None:
    ctx.require_http()
    session = await ctx.session()
    method, params = ping_body(session)
    _, reply = await session.request(method, params, headers={"Host": HOSTILE_HOST})
    expect(
        reply.status is not None and 400 <= reply.status < 500,
        f"a 4xx (421, 400 or 403) for Host: {HOSTILE_HOST}",
        reply.describe(),
    )
