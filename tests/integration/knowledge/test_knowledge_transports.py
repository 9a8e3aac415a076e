"""The knowledge server over stdio (its own process) and Streamable HTTP, under both protocol versions.

One representative call per tool per combination: the full behaviour is covered in-process; this proves
the same behaviour survives a real transport (process start-up, serialisation, sessions or none).
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from harness.launch.connect import ClientTransport, ProtocolMode, connect_server
from servers.knowledge.server import KNOWLEDGE
from servers.knowledge.settings import KnowledgeSettings

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_every_tool_over_a_real_transport(
    transport: ClientTransport, mode: ProtocolMode, call_ok: Any, error_text: Any
) -> None:
    document = {
        "id": "runbook-dns",
        "title": "DNS runbook",
        "text": "Flush the resolver cache with rndc flush.",
    }
    with anyio.fail_after(60):
        async with connect_server(KNOWLEDGE, KnowledgeSettings(), transport, mode) as client:
            health = await call_ok(client, "health", {})
            ingested = await call_ok(client, "ingest", {"documents": [document]})
            search = await call_ok(client, "search", {"query": "flush resolver cache", "k": 2})
            answer = await call_ok(
                client, "answer", {"question": "How are Redis keys evicted when memory is full?"}
            )
            refused = await client.call_tool("search", {"query": "x", "k": 99})
    assert health["status"] == "ok" and health["index"]["documents"] == 44
    assert (ingested["documents"], ingested["total_documents"]) == (1, 45)
    assert search["hits"][0]["document_id"] == "runbook-dns"
    assert answer["answered"] and answer["citations"][0]["document_id"] == "redis-eviction"
    assert "less than or equal to 50" in error_text(refused)
