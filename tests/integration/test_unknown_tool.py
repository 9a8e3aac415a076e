"""An unknown tool is a JSON-RPC error (-32602), as the spec says, from every server and from the client.

mcp 2.3.0's MCPServer answers it with an ``isError`` result instead; ours must not (the official
conformance suite would otherwise count its test-tool scenarios as passed).
"""

from __future__ import annotations

import anyio
import pytest
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS

from harness.fixtures.client import serve_stack
from harness.launch.connect import ProtocolMode, connect_server
from harness.mcp_http import open_mcp_client
from servers.registry import SERVER_MODULES, server_spec

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize("name", sorted(SERVER_MODULES))
async def test_server_answers_unknown_tool_with_invalid_params(name: str, mode: ProtocolMode) -> None:
    spec = server_spec(name)
    with anyio.fail_after(30):
        async with connect_server(spec, spec.load_settings(), "http", mode) as client:
            with pytest.raises(MCPError) as caught:
                await client.call_tool("no_such_tool", {})
            assert caught.value.error.code == INVALID_PARAMS
            assert "no_such_tool" in caught.value.error.message
            assert not (await client.call_tool("health", {})).is_error  # still serving


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_client_answers_unknown_tool_with_invalid_params(mode: ProtocolMode) -> None:
    with anyio.fail_after(30):
        async with serve_stack() as stack, open_mcp_client(f"{stack.client_url}/mcp", mode=mode) as client:
            with pytest.raises(MCPError) as caught:
                await client.call_tool("weather__no_such_tool", {})
            assert caught.value.error.code == INVALID_PARAMS
            assert "weather__no_such_tool" in caught.value.error.message
