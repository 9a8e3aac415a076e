"""Suite ``retrieval``: recall@5 of the shipped handbook questions, asked through the gateway.

Measured, not assumed: the labelled questions ship with the knowledge server; the goal for the default
embedder is 0.7 (the MiniLM embedder's is 0.9, measured in the tests and ``bench/recall.py``).
"""

from __future__ import annotations

from typing import Any

from harness.launch.inprocess import Deployment
from harness.mainjob.outcomes import timed_outcome
from harness.mcp_http import open_mcp_client
from harness.report import Outcome
from servers.knowledge.corpus import load_questions
from servers.knowledge.evaluate import evaluate_recall
from servers.knowledge.models import SearchResult

SUITE = "retrieval"
GOAL = 0.7


async def recall_through_gateway(deployment: Deployment) -> tuple[str, dict[str, Any]]:
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key
    async with open_mcp_client(endpoints.gateway, api_key=endpoints.api_key) as client:

        async def search(query: str, k: int) -> SearchResult:
            result = await client.call_tool("knowledge__search", {"query": query, "k": k})
            assert not result.is_error, f"search failed: {result.content}"
            return SearchResult.model_validate(result.structured_content)

        report = await evaluate_recall(search, load_questions(answerable=True), k=5)
    detail = f"recall@5 {report.recall:.3f} on {report.questions} questions (goal ≥ {GOAL}); p50 {report.p50_ms:.1f} ms"
    assert report.recall >= GOAL, detail
    return detail, {"recall_at_5": report.recall, "questions": report.questions, "p50_ms": report.p50_ms}


async def run_suite(deployment: Deployment) -> list[Outcome]:
    return [
        await timed_outcome(SUITE, "recall@5 via gateway", lambda: recall_through_gateway(deployment), 120)
    ]
