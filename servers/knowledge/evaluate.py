"""Retrieval quality, measured: recall@k of a knowledge base on labelled questions, and query latency.

recall@k is the share of answerable questions whose labelled document is among the documents of the
top-k chunks. Used by the tests (which assert the goals) and by ``bench/recall.py`` (which prints them).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from servers.knowledge.corpus import LabelledQuestion
from servers.knowledge.models import SearchResult

#: ``search(query, k)``: a KnowledgeBase's own method, or an adapter calling the tool over MCP
SearchFunction = Callable[[str, int], Awaitable[SearchResult]]


@dataclass(frozen=True)
class Miss:
    question: str
    expected: str
    got: list[str]


@dataclass(frozen=True)
class RecallReport:
    k: int
    questions: int
    found: int
    latencies_ms: list[float] = field(repr=False)
    misses: list[Miss] = field(repr=False)

    @property
    def recall(self) -> float:
        return self.found / self.questions if self.questions else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def p95_ms(self) -> float:
        if len(self.latencies_ms) < 2:
            return self.p50_ms
        return statistics.quantiles(self.latencies_ms, n=20)[-1]


async def evaluate_recall(
    search: SearchFunction, questions: Sequence[LabelledQuestion], k: int = 5
) -> RecallReport:
    """Search each answerable question once (top-k chunks, deduplicated to documents) and count hits.

    Latency is measured around each ``search`` call, so over MCP it includes the transport.
    """
    found = 0
    latencies: list[float] = []
    misses: list[Miss] = []
    for item in questions:
        if item.document_id is None:
            continue
        started = time.perf_counter()
        result = await search(item.question, k)
        latencies.append((time.perf_counter() - started) * 1000)
        documents = list(dict.fromkeys(hit.document_id for hit in result.hits))
        if item.document_id in documents:
            found += 1
        else:
            misses.append(Miss(item.question, item.document_id, documents))
    return RecallReport(k=k, questions=len(latencies), found=found, latencies_ms=latencies, misses=misses)
