"""Tool selection: tokenisation, BM25 ranking quality on a labelled query set, and the ranker hook."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from client.router import RoutedTool, ToolRouter
from client.selection import ScoredTool, ToolSelector, tokenize
from harness.fixtures.client import toy_knowledge, toy_wallet, toy_weather

QUERIES = json.loads((Path(__file__).parent / "tool_queries.json").read_text())


async def reference_tools() -> list[RoutedTool]:
    router = ToolRouter()
    listings = {}
    for toy in (toy_weather(), toy_wallet(), toy_knowledge()):
        listings[toy.name] = await toy.server.list_tools()
    router.rebuild(listings)
    return router.tools()


def test_tokenize_splits_snake_and_camel_case_and_drops_stopwords() -> None:
    assert tokenize("get_forecast") == ["forecast"]
    assert tokenize("listTransactions") == ["list", "transaction"]
    assert tokenize("What is the weather in Paris?") == ["weather", "pari"]


@pytest.mark.anyio
async def test_precision_at_1_on_the_labelled_query_set_meets_the_goal() -> None:
    tools = await reference_tools()
    selector = ToolSelector()
    hits, misses = 0, []
    for item in QUERIES["queries"]:
        ranked = await selector.find(item["q"], tools, limit=3)
        if ranked and ranked[0].name == item["tool"]:
            hits += 1
        else:
            misses.append((item["q"], item["tool"], ranked[0].name if ranked else None))
    precision = hits / len(QUERIES["queries"])
    print(f"\nBM25 precision@1 = {precision:.3f} over {len(QUERIES['queries'])} queries; misses: {misses}")
    assert len(QUERIES["queries"]) >= 30
    assert precision >= QUERIES["goal_precision_at_1"]


@pytest.mark.anyio
async def test_empty_query_is_refused_and_nonsense_finds_nothing() -> None:
    tools = await reference_tools()
    selector = ToolSelector()
    with pytest.raises(ValueError, match="empty"):
        await selector.find("   ", tools, 3)
    assert await selector.find("zzzz qqqq", tools, 3) == []


@pytest.mark.anyio
async def test_a_custom_ranker_replaces_bm25() -> None:
    class AlphabeticalAgent:
        async def rank(self, query: str, tools: Sequence[RoutedTool], limit: int) -> list[ScoredTool]:
            return [ScoredTool(t.name, 1.0, query) for t in sorted(tools, key=lambda t: t.name)][:limit]

    tools = await reference_tools()
    ranked = await ToolSelector(AlphabeticalAgent()).find("anything", tools, 2)
    assert [r.name for r in ranked] == ["knowledge__answer", "knowledge__health"]
