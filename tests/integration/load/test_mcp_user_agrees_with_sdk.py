"""McpUser's client and the SDK's client, on the same server, see the same tools, results and errors.

The McpUser side runs in its own process under gevent (as under Locust); the SDK client runs here.
Matrix: both protocol versions × JSON and event-stream answers; then credentials (API key, bearer,
mTLS) and the failures a load report must show (refused credentials, refused connection).
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import anyio
import pytest
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel

from harness.commands.certs import generate_certs
from harness.mcp_http import open_mcp_client
from servers.common.asgi_serving import serve_asgi
from servers.common.settings import TlsSettings
from servers.common.strict_server import ReferenceMCPServer

pytestmark = pytest.mark.anyio
DRIVER = Path(__file__).with_name("mcp_user_driver.py")
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("echo", {"text": "hello"}),
    ("add", {"a": 2, "b": 40}),
    ("reading", {"city": "Oslo"}),
    ("fail", {"reason": "account frozen"}),
    ("policy", {}),
    ("missing_tool", {}),
    ("add", {"a": "two", "b": 1}),
]
API_KEY, TOKEN = "k-123", "t-456"


class Reading(BaseModel):
    city: str
    temperature_c: float


def toy_server() -> ReferenceMCPServer:
    server = ReferenceMCPServer("toy", log_level="WARNING")

    @server.tool()
    def echo(text: str) -> str:
        """Return the text."""
        return text

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    def reading(city: str) -> Reading:
        """A structured result."""
        return Reading(city=city, temperature_c=21.5)

    @server.tool()
    def fail(reason: str) -> str:
        """Always an isError result."""
        raise ToolError(reason)

    @server.tool()
    def policy() -> str:
        """Always a JSON-RPC error."""
        raise MCPError(code=-32001, message="refused by policy")

    return server


def requiring_credentials(app: Any) -> Any:
    """Only ``X-API-Key: k-123`` or ``Authorization: Bearer t-456`` get through (401 otherwise)."""

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            if headers.get("x-api-key") != API_KEY and headers.get("authorization") != f"Bearer {TOKEN}":
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b"credentials required"})
                return
        await app(scope, receive, send)

    return guarded


@asynccontextmanager
async def serving(
    json_response: bool = True, guarded: bool = False, tls: TlsSettings | None = None
) -> AsyncIterator[str]:
    server = toy_server()
    app = server.streamable_http_app(
        streamable_http_path="/mcp", json_response=json_response, stateless_http=False
    )
    async with serve_asgi(requiring_credentials(app) if guarded else app, tls=tls) as listening:
        yield f"{listening.base_url}/mcp"


async def run_driver(spec: dict[str, Any]) -> dict[str, Any]:
    with anyio.fail_after(60):
        done = await anyio.run_process([sys.executable, str(DRIVER), json.dumps(spec)], check=False)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "content": result.get("content"),
        "structuredContent": result.get("structuredContent"),
        "isError": bool(result.get("isError")),
    }


async def sdk_side(url: str, mode: Literal["auto", "legacy"], **credentials: Any) -> dict[str, Any]:
    outcomes: list[dict[str, Any]] = []
    with anyio.fail_after(30):
        async with open_mcp_client(url, mode=mode, timeout_s=10, **credentials) as client:
            tools = sorted(t.name for t in (await client.list_tools()).tools)
            for name, args in CALLS:
                try:
                    result = await client.call_tool(name, args)
                except MCPError as exc:
                    outcomes.append({"error": {"code": exc.error.code, "message": exc.error.message}})
                    continue
                dumped = result.model_dump(by_alias=True, exclude_none=True, mode="json")
                outcomes.append({"result": comparable(dumped)})
    return {"tools": tools, "outcomes": outcomes}


def user_side(driven: dict[str, Any]) -> dict[str, Any]:
    outcomes = [{"result": comparable(o["result"])} if "result" in o else o for o in driven["outcomes"]]
    return {"tools": driven["tools"], "outcomes": outcomes}


@pytest.mark.parametrize("json_response", [True, False], ids=["json", "sse"])
@pytest.mark.parametrize(
    ("version", "mode"), [("2026-07-28", "auto"), ("2025-11-25", "legacy")], ids=["2026-07-28", "2025-11-25"]
)
async def test_same_tools_results_and_errors_as_the_sdk(
    version: str, mode: Literal["auto", "legacy"], json_response: bool
) -> None:
    async with serving(json_response=json_response) as url:
        driven = await run_driver({"url": url, "protocol_version": version, "calls": CALLS})
        expected = await sdk_side(url, mode)
    assert user_side(driven) == expected
    outcomes = expected["outcomes"]
    assert outcomes[0]["result"]["structuredContent"] == {"result": "hello"}
    assert outcomes[2]["result"]["structuredContent"] == {"city": "Oslo", "temperature_c": 21.5}
    assert outcomes[3]["result"]["isError"] is True
    assert outcomes[4] == {"error": {"code": -32001, "message": "refused by policy"}}
    assert outcomes[5]["error"]["code"] == -32602
    names = [e["name"] for e in driven["events"]]
    assert names.count("tools/list") == 1
    assert [n for n in names if n.startswith("tools/call")] == [f"tools/call {name}" for name, _ in CALLS]
    if version == "2025-11-25":
        assert names[:2] == ["initialize", "initialized"] and names[-1] == "session DELETE"
        assert all(e["failure"] is None for e in driven["events"] if e["name"] == "session DELETE")
    else:
        assert "initialize" not in names and "session DELETE" not in names


async def test_failures_carry_their_message_in_the_locust_event() -> None:
    async with serving() as url:
        driven = await run_driver(
            {"url": url, "protocol_version": "2026-07-28", "calls": CALLS, "tool_errors_fail": True}
        )
    failures = {e["name"]: e["failure"] for e in driven["events"]}
    assert failures["tools/call echo"] is None
    assert failures["tools/call fail"] == "Error executing tool fail: account frozen"
    assert failures["tools/call policy"] == "JSON-RPC error -32001: refused by policy"
    assert failures["tools/call missing_tool"].startswith("JSON-RPC error -32602")


@pytest.mark.parametrize(
    "headers", [{"X-API-Key": API_KEY}, {"Authorization": f"Bearer {TOKEN}"}], ids=["api-key", "bearer"]
)
async def test_credentials_reach_the_server(headers: dict[str, str]) -> None:
    async with serving(guarded=True) as url:
        allowed = await run_driver(
            {"url": url, "protocol_version": "2026-07-28", "calls": CALLS[:1], "headers": headers}
        )
        refused = await run_driver({"url": url, "protocol_version": "2026-07-28", "calls": CALLS[:1]})
        expected = await sdk_side(url, "auto", api_key=TOKEN)
    assert allowed["tools"] == expected["tools"]
    assert allowed["outcomes"][0]["result"]["structuredContent"] == {"result": "hello"}
    assert refused["outcomes"] == [{"transport": "HTTP 401: credentials required"}]
    assert refused["events"][-1]["failure"] == "HTTP 401: credentials required"


async def test_mtls_with_and_without_the_client_certificate(tmp_path: Path) -> None:
    generate_certs(tmp_path, [], force=True)
    ca, cert, key = (str(tmp_path / name) for name in ("ca.pem", "client.pem", "client-key.pem"))
    tls = TlsSettings(
        cert_file=str(tmp_path / "server.pem"), key_file=str(tmp_path / "server-key.pem"), ca_file=ca
    )
    async with serving(tls=tls) as url:
        spec = {"url": url, "protocol_version": "2025-11-25", "calls": CALLS[:2]}
        with_cert = await run_driver({**spec, "ca": ca, "cert": cert, "key": key})
        without = await run_driver({**spec, "ca": ca})
        expected = await sdk_side(url, "legacy", ca_file=ca, cert_file=cert, key_file=key)
    assert user_side(with_cert)["outcomes"] == expected["outcomes"][:2]
    assert "transport" in without["outcomes"][0]
    assert all(e["failure"] for e in without["events"] if e["name"].startswith("tools/"))


async def test_a_refused_connection_is_a_transport_failure() -> None:
    from harness.fakes.redis_server import free_port

    url = f"http://127.0.0.1:{free_port()}/mcp"
    driven = await run_driver({"url": url, "protocol_version": "2026-07-28", "calls": CALLS[:1]})
    assert "ConnectionRefusedError" in driven["outcomes"][0]["transport"]
    assert driven["events"][-1] == {"name": "tools/call echo", "failure": driven["outcomes"][0]["transport"]}
