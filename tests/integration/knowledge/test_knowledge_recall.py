"""Retrieval quality, measured through the search tool: recall@5 on the shipped labelled questions.

Goals: ≥ 0.7 for the default hashing embedder, ≥ 0.9 for all-MiniLM-L6-v2. The numbers are printed
(run with ``-s`` to see them) so a change in quality is visible, not only a pass/fail.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from harness.launch.connect import connect_server
from servers.knowledge.corpus import load_questions
from servers.knowledge.embed import MINILM_INSTALL_HINT, minilm_available
from servers.knowledge.evaluate import RecallReport, evaluate_recall
from servers.knowledge.server import KNOWLEDGE
from servers.knowledge.settings import KnowledgeSettings

pytestmark = pytest.mark.anyio


def describe(name: str, report: RecallReport) -> str:
    lines = [
        f"{name}: recall@{report.k} = {report.recall:.3f} ({report.found}/{report.questions}), "
        f"search p50 {report.p50_ms:.2f} ms, p95 {report.p95_ms:.2f} ms"
    ]
    lines += [f"  missed {m.expected!r} for {m.question!r}; got {m.got}" for m in report.misses]
    return "\n".join(lines)


async def test_hashing_embedder_recall_at_5_meets_its_goal(
    search_over: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with anyio.fail_after(60):
        async with connect_server(KNOWLEDGE, KnowledgeSettings(embedder="hashing"), "memory") as client:
            report = await evaluate_recall(search_over(client), load_questions(), k=5)
    with capsys.disabled():  # the number belongs in every CI log, not only in failures
        print("\n" + describe("hashing", report))
    assert report.questions >= 40
    assert report.recall >= 0.7, describe("hashing", report)


@pytest.mark.minilm
@pytest.mark.skipif(not minilm_available(), reason=f"MiniLM extra not installed: {MINILM_INSTALL_HINT}")
async def test_minilm_server_meets_its_recall_goal_and_answers_with_citations(
    search_over: Any, call_ok: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = KnowledgeSettings(embedder="minilm")
    with anyio.fail_after(180):  # includes loading the model once (seconds on a busy CPU)
        async with connect_server(KNOWLEDGE, settings, "memory") as client:
            report = await evaluate_recall(search_over(client), load_questions(), k=5)
            health = await call_ok(client, "health", {})
            answer = await call_ok(
                client, "answer", {"question": "Is it safe to retry a payment after a timeout?"}
            )
            declined = await call_ok(
                client, "answer", {"question": "Who won the football world cup in 1998?"}
            )
    with capsys.disabled():
        print("\n" + describe("minilm", report))
    assert report.recall >= 0.9, describe("minilm", report)
    assert health["embedder"] == {"name": "minilm", "dim": 384}
    assert health["status"] == "ok"
    assert answer["answered"] and answer["citations"][0]["document_id"] == "resilience-idempotency"
    assert not declined["answered"]
