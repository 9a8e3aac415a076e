"""FAISS index: exact search while small, HNSW once large, replacement without stale hits."""

from __future__ import annotations

import random

import numpy as np
import pytest

from servers.knowledge.embed import HashingEmbedder
from servers.knowledge.index import FaissIndex, StoredChunk

pytestmark = pytest.mark.anyio

SUBJECTS = [
    "the gateway",
    "the wallet",
    "the weather server",
    "the client",
    "the load test",
    "the on-call engineer",
    "the circuit breaker",
    "the cache",
    "the ledger",
    "the canary",
    "the incident commander",
    "the proxy",
]
VERBS = [
    "retries",
    "rejects",
    "records",
    "drains",
    "pages",
    "caches",
    "rotates",
    "throttles",
    "restores",
    "forwards",
    "compacts",
    "validates",
    "escalates",
    "replays",
]
OBJECTS = [
    "expired certificates",
    "idempotent transfers",
    "stale forecasts",
    "slow upstream calls",
    "burst traffic",
    "failed migrations",
    "silenced alerts",
    "oversized requests",
    "ledger snapshots",
    "session headers",
    "rate limit counters",
    "tool schemas",
    "trace spans",
    "network partitions",
]
QUALIFIERS = [
    "during a freeze",
    "after five failures",
    "within ten seconds",
    "at night",
    "in staging",
    "behind a feature flag",
    "for every tenant",
    "under heavy load",
    "before the release",
    "without a deadline",
    "in batches of one thousand",
    "over mutual TLS",
]


def generated_sentences(count: int, seed: int) -> list[str]:
    """Distinct, meaningful sentences: embedding-like data, unlike random Gaussians."""
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < count:
        parts = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(QUALIFIERS)]
        seen.add(" ".join(parts).capitalize() + f" (case {rng.randrange(1000)}).")
    return sorted(seen)


def chunks_for(document_id: str, texts: list[str]) -> list[StoredChunk]:
    return [StoredChunk(f"{document_id}#{i}", document_id, i, None, text) for i, text in enumerate(texts)]


async def test_flat_search_returns_the_exact_nearest_chunks_best_first() -> None:
    embedder = HashingEmbedder()
    texts = ["circuit breakers open after failures", "redis evicts keys", "mongo backups every six hours"]
    index = FaissIndex(embedder.dim)
    await index.replace_documents(chunks_for("d", texts), embedder.embed_sync(texts))
    hits = await index.search(embedder.embed_sync(["when do breakers open?"])[0], k=2)
    assert hits[0].chunk.text == texts[0]
    assert hits[0].score >= hits[1].score
    assert index.kind == "flat"


async def test_replacing_a_document_removes_its_old_chunks_from_results() -> None:
    embedder = HashingEmbedder()
    index = FaissIndex(embedder.dim)
    old = ["the wallet caches balances in redis"]
    new = ["the wallet reads balances from the ledger"]
    assert await index.replace_documents(chunks_for("wallet", old), embedder.embed_sync(old)) == 0
    assert await index.replace_documents(chunks_for("wallet", new), embedder.embed_sync(new)) == 1
    hits = await index.search(embedder.embed_sync(old)[0], k=5)
    assert [h.chunk.text for h in hits] == new
    stats = await index.stats()
    assert (stats.documents, stats.vectors) == (1, 1)


async def test_many_replacements_compact_the_index_and_keep_results_right() -> None:
    embedder = HashingEmbedder(dim=64)
    index = FaissIndex(embedder.dim)
    for round_ in range(200):
        texts = [f"version {round_} of the runbook", "a second unchanged paragraph"]
        await index.replace_documents(chunks_for("runbook", texts), embedder.embed_sync(texts))
    await index.ping()
    assert index.live_vectors == 2
    assert len(index._chunks) < 200  # tombstones were compacted away, not accumulated
    hits = await index.search(embedder.embed_sync(["version 199 of the runbook"])[0], k=5)
    assert hits[0].chunk.text == "version 199 of the runbook"
    assert len(hits) == 2


async def test_index_switches_from_flat_to_hnsw_at_the_threshold_and_stays_accurate() -> None:
    embedder = HashingEmbedder()
    sentences = generated_sentences(2_400, seed=7)
    vectors = embedder.embed_sync(sentences)
    index = FaissIndex(embedder.dim, hnsw_threshold=2_000, hnsw_m=16, ef_construction=64, ef_search=64)
    half = 1_200
    await index.replace_documents(chunks_for("a", sentences[:half]), vectors[:half])
    assert index.kind == "flat"
    await index.replace_documents(
        [StoredChunk(f"b#{i}", "b", i, None, t) for i, t in enumerate(sentences[half:])], vectors[half:]
    )
    assert index.kind == "hnsw"
    assert (await index.stats()).vectors == 2_400

    rng = random.Random(11)
    queries = rng.sample(range(len(sentences)), 60)
    query_vectors = embedder.embed_sync([sentences[i].replace("the ", "") for i in queries])
    exact = vectors @ query_vectors.T  # brute force: the truth HNSW is compared with
    recalled = 0
    for column, vector in enumerate(query_vectors):
        truth = {int(i) for i in np.argsort(-exact[:, column])[:10]}
        hits = await index.search(vector, k=10)
        found = {sentences.index(h.chunk.text) for h in hits}
        recalled += len(truth & found)
    assert recalled / (10 * len(queries)) >= 0.9


async def test_dropping_below_the_threshold_goes_back_to_flat() -> None:
    embedder = HashingEmbedder(dim=64)
    texts = generated_sentences(300, seed=3)
    index = FaissIndex(embedder.dim, hnsw_threshold=200)
    await index.replace_documents(chunks_for("big", texts), embedder.embed_sync(texts))
    assert index.kind == "hnsw"
    await index.replace_documents(chunks_for("big", texts[:50]), embedder.embed_sync(texts[:50]))
    assert index.kind == "flat"
    assert (await index.stats()).vectors == 50


async def test_search_on_an_empty_index_returns_nothing() -> None:
    index = FaissIndex(32)
    assert await index.search(np.ones(32, dtype=np.float32) / np.sqrt(32), k=5) == []


async def test_mismatched_chunks_and_vectors_are_refused_without_change() -> None:
    index = FaissIndex(16)
    with pytest.raises(ValueError, match="2 chunks but 1 vectors"):
        await index.replace_documents(chunks_for("d", ["a", "b"]), np.zeros((1, 16), dtype=np.float32))
    assert (await index.stats()).vectors == 0
