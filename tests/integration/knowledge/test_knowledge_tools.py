"""Every knowledge tool in-process (memory transport), under both protocol versions, as agents use it."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from harness.launch.connect import ProtocolMode, connect_server
from servers.knowledge.server import KNOWLEDGE
from servers.knowledge.settings import KnowledgeSettings

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("mode", ["auto", "legacy"])]

HANDBOOK_DOCUMENTS = 44


async def test_tools_are_listed_with_bounded_schemas(mode: ProtocolMode) -> None:
    with anyio.fail_after(30):
        async with connect_server(KNOWLEDGE, KnowledgeSettings(), "memory", mode) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == {"ingest", "search", "answer", "health"}
    k_schema = tools["search"].input_schema["properties"]["k"]
    assert (k_schema["minimum"], k_schema["maximum"], k_schema["default"]) == (1, 50, 5)
    assert tools["search"].annotations is not None and tools["search"].annotations.read_only_hint
    assert tools["ingest"].output_schema is not None


async def test_ingest_search_answer_and_health_work_together(mode: ProtocolMode, call_ok: Any) -> None:
    doc = {
        "id": "pager-policy",
        "title": "Pager policy for the billing team",
        "text": "Billing pages go to the finance rota. The finance rota must acknowledge in three minutes.",
        "metadata": {"team": "billing", "version": 2},
    }
    with anyio.fail_after(30):
        async with connect_server(KNOWLEDGE, KnowledgeSettings(), "memory", mode) as client:
            first = await call_ok(client, "ingest", {"documents": [doc]})
            again = await call_ok(client, "ingest", {"documents": [doc]})
            search = await call_ok(client, "search", {"query": "who acknowledges billing pages", "k": 3})
            answer = await call_ok(
                client, "answer", {"question": "How fast must the finance rota acknowledge?"}
            )
            health = await call_ok(client, "health", {})
    assert (first["documents"], first["replaced_documents"], first["total_documents"]) == (
        1,
        0,
        HANDBOOK_DOCUMENTS + 1,
    )
    assert (again["replaced_documents"], again["total_documents"]) == (1, HANDBOOK_DOCUMENTS + 1)
    top = search["hits"][0]
    assert (top["document_id"], top["chunk_id"], top["metadata"]) == (
        "pager-policy",
        "pager-policy#0",
        doc["metadata"],
    )
    assert len(search["hits"]) == 3 and search["hits"][0]["score"] >= search["hits"][1]["score"]
    assert answer["answered"] and "three minutes" in answer["answer"]
    assert answer["citations"][0]["document_id"] == "pager-policy"
    assert health["status"] == "ok"
    assert health["index"]["documents"] == HANDBOOK_DOCUMENTS + 1
    assert health["index"]["vectors"] == again["total_chunks"]
    assert health["embedder"] == {"name": "hashing", "dim": 384}
    assert {b["name"] for b in health["backends"]} == {"vector-index", "embedder"}


async def test_answer_declines_a_question_the_handbook_cannot_answer(
    mode: ProtocolMode, call_ok: Any
) -> None:
    with anyio.fail_after(30):
        async with connect_server(KNOWLEDGE, KnowledgeSettings(), "memory", mode) as client:
            answer = await call_ok(client, "answer", {"question": "What is the capital city of Australia?"})
    assert answer["answered"] is False
    assert answer["citations"] == []
    assert answer["answer"].startswith("No relevant passage found")


async def test_without_preload_the_index_starts_empty(mode: ProtocolMode, call_ok: Any) -> None:
    with anyio.fail_after(30):
        async with connect_server(
            KNOWLEDGE, KnowledgeSettings(preload_corpus=False), "memory", mode
        ) as client:
            health = await call_ok(client, "health", {})
            search = await call_ok(client, "search", {"query": "circuit breaker", "k": 5})
    assert (health["index"]["documents"], health["index"]["vectors"]) == (0, 0)
    assert search["hits"] == []


BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("search", {"query": "breaker", "k": 0}, "greater than or equal to 1"),
    ("search", {"query": "breaker", "k": 51}, "less than or equal to 50"),
    ("search", {"query": "breaker", "k": "five"}, "valid integer"),
    ("search", {"query": ""}, "at least 1 character"),
    ("search", {"query": "   "}, "query is empty"),
    ("search", {}, "query"),
    ("answer", {"question": " "}, "question is empty"),
    ("answer", {"question": ["a list"]}, "valid string"),
    ("ingest", {"documents": []}, "at least 1 item"),
    ("ingest", {"documents": "not a list"}, "valid list"),
    ("ingest", {"documents": [{"id": "x"}]}, "text"),
    ("ingest", {"documents": [{"id": "x", "text": "ok", "colour": "red"}]}, "Extra inputs"),
    ("ingest", {"documents": [{"id": "x", "text": "a" * 200_001}]}, "at most 200000 characters"),
    ("ingest", {"documents": [{"id": "x", "text": " \n "}]}, "text is empty"),
    ("ingest", {"documents": [{"id": "x", "text": "a"}, {"id": "x", "text": "b"}]}, "appears twice"),
    ("ingest", {"documents": [{"id": f"d{i}", "text": "t"} for i in range(501)]}, "at most 500 items"),
]


@pytest.mark.parametrize(
    ("tool", "arguments", "message"), BAD_CALLS, ids=[f"{t}-{m}" for t, _, m in BAD_CALLS]
)
async def test_bad_input_is_a_clear_error_and_changes_nothing(
    mode: ProtocolMode, tool: str, arguments: dict[str, Any], message: str, call_ok: Any, error_text: Any
) -> None:
    with anyio.fail_after(30):
        async with connect_server(KNOWLEDGE, KnowledgeSettings(), "memory", mode) as client:
            before = (await call_ok(client, "health", {}))["index"]
            result = await client.call_tool(tool, arguments)
            after = (await call_ok(client, "health", {}))["index"]
    text = error_text(result)
    assert message in text
    assert "Traceback" not in text
    assert after == before
