"""An SDK client to any MCP endpoint over Streamable HTTP, with an API key and/or client certificate.

Agents reach the deployment through the gateway with a key; outside tools reach a private server
with the client's certificate material. Both are the SDK's own client (httpx2 underneath).
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Literal

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


@asynccontextmanager
async def open_mcp_client(
    url: str,
    *,
    api_key: str | None = None,
    ca_file: str | None = None,
    cert_file: str | None = None,
    key_file: str | None = None,
    mode: Literal["auto", "legacy"] = "auto",
    timeout_s: float = 30.0,
) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    verify: ssl.SSLContext | bool = True
    if ca_file:
        context = ssl.create_default_context(cafile=ca_file)
        if cert_file:
            context.load_cert_chain(cert_file, key_file)
        verify = context
    async with AsyncExitStack() as stack:
        http = httpx2.AsyncClient(headers=headers, verify=verify, timeout=timeout_s)
        stack.push_async_callback(http.aclose)
        client = Client(
            streamable_http_client(url, http_client=http),
            mode=mode,
            read_timeout_seconds=timeout_s,
            cache=None,
        )
        yield await stack.enter_async_context(client)
