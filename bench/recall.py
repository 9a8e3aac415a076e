"""Retrieval quality and cost of the knowledge server's embedders on the shipped handbook.

For each embedder: model load time, ingest time of the 44-document handbook, recall@1 and recall@5 on
the labelled questions, and search latency (p50/p95 over repeated rounds, embedding included), plus
FAISS flat vs HNSW search time on a larger generated set. The hashing embedder is the baseline
measured in the same run; MiniLM is reported as a ratio against it (skipped, with the reason, when
the extra is not installed). Goals: recall@5 ≥ 0.7 (hashing), ≥ 0.9 (MiniLM).

    python -m bench.recall [--rounds 3] [--hnsw-vectors 20000]   (from the repo root)
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import dataclass

import anyio

from servers.knowledge.corpus import load_handbook, load_questions
from servers.knowledge.embed import MINILM_INSTALL_HINT, HashingEmbedder, load_embedder, minilm_available
from servers.knowledge.evaluate import evaluate_recall
from servers.knowledge.index import FaissIndex, StoredChunk, open_vector_index
from servers.knowledge.knowledge_base import KnowledgeBase
from servers.knowledge.settings import EmbedderName, KnowledgeSettings

GOALS: dict[str, float] = {"hashing": 0.7, "minilm": 0.9}


@dataclass
class EmbedderResult:
    name: str
    load_s: float
    ingest_s: float
    recall_at_1: float
    recall_at_5: float
    search_p50_ms: float
    search_p95_ms: float


async def measure_embedder(name: EmbedderName, rounds: int) -> EmbedderResult:
    settings = KnowledgeSettings(embedder=name, preload_corpus=False)
    started = time.perf_counter()
    embedder = await load_embedder(settings)
    load_s = time.perf_counter() - started
    async with open_vector_index(settings, embedder.dim) as index:
        knowledge_base = KnowledgeBase(embedder, index, settings)
        started = time.perf_counter()
        await knowledge_base.ingest(load_handbook())
        ingest_s = time.perf_counter() - started
        questions = load_questions()
        await knowledge_base.search("warm-up query, not measured", 1)  # first-call set-up is not latency
        at_1 = await evaluate_recall(knowledge_base.search, questions, k=1)
        latencies: list[float] = []
        at_5 = None
        for _ in range(rounds):
            at_5 = await evaluate_recall(knowledge_base.search, questions, k=5)
            latencies += at_5.latencies_ms
    assert at_5 is not None
    return EmbedderResult(
        name=name,
        load_s=load_s,
        ingest_s=ingest_s,
        recall_at_1=at_1.recall,
        recall_at_5=at_5.recall,
        search_p50_ms=statistics.median(latencies),
        search_p95_ms=statistics.quantiles(latencies, n=20)[-1],
    )


def generated_sentences(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = [d.text for d in load_handbook()]
    vocabulary = sorted({w.strip(".,;:").lower() for text in words for w in text.split() if len(w) > 3})
    return [" ".join(rng.choice(vocabulary) for _ in range(12)) + f" {i}." for i in range(count)]


async def measure_index_kinds(vectors_count: int, queries: int = 200) -> dict[str, float]:
    """Mean search time per query, flat vs HNSW, on hashing embeddings of generated sentences."""
    embedder = HashingEmbedder()
    sentences = generated_sentences(vectors_count, seed=5)
    matrix = embedder.embed_sync(sentences)
    query_vectors = embedder.embed_sync(random.Random(9).sample(sentences, queries))
    chunks = [StoredChunk(f"g#{i}", "g", i, None, s) for i, s in enumerate(sentences)]
    timings: dict[str, float] = {}
    for kind, threshold in (("flat", vectors_count + 1), ("hnsw", 1)):
        index = FaissIndex(embedder.dim, hnsw_threshold=threshold)
        await index.replace_documents(chunks, matrix)
        assert index.kind == kind
        started = time.perf_counter()
        for vector in query_vectors:
            await index.search(vector, 10)
        timings[kind] = (time.perf_counter() - started) * 1000 / queries
    return timings  # HNSW's accuracy is asserted in the unit tests; here only its speed


def print_results(results: list[EmbedderResult], skipped: str | None, kinds: dict[str, float], n: int) -> int:
    baseline = results[0]
    header = ("embedder", "load s", "ingest s", "R@1", "R@5", "goal", "p50 ms", "p95 ms")
    print(
        f"{header[0]:<9} "
        + " ".join(f"{h:>{w}}" for h, w in zip(header[1:], (7, 9, 6, 6, 5, 8, 8), strict=True))
    )
    failed = 0
    for r in results:
        goal = GOALS[r.name]
        ok = r.recall_at_5 >= goal
        failed += not ok
        print(
            f"{r.name:<9} {r.load_s:>7.2f} {r.ingest_s:>9.3f} {r.recall_at_1:>6.3f} {r.recall_at_5:>6.3f} "
            f"{goal:>5.2f} {r.search_p50_ms:>8.2f} {r.search_p95_ms:>8.2f}  {'ok' if ok else 'BELOW GOAL'}"
        )
    for r in results[1:]:
        print(
            f"{r.name} vs {baseline.name}: recall@5 ×{r.recall_at_5 / baseline.recall_at_5:.2f}, "
            f"search p50 ×{r.search_p50_ms / baseline.search_p50_ms:.1f}, "
            f"ingest ×{r.ingest_s / baseline.ingest_s:.0f}"
        )
    if skipped:
        print(f"minilm: skipped ({skipped})")
    print(
        f"FAISS search over {n} vectors (k=10, hashing embeddings): flat {kinds['flat']:.3f} ms, "
        f"hnsw {kinds['hnsw']:.3f} ms (flat/hnsw ×{kinds['flat'] / kinds['hnsw']:.1f})"
    )
    return 1 if failed else 0


async def main(rounds: int, hnsw_vectors: int) -> int:
    results = [await measure_embedder("hashing", rounds)]
    skipped = None
    if minilm_available():
        results.append(await measure_embedder("minilm", rounds))
    else:
        skipped = f"extra not installed: {MINILM_INSTALL_HINT}"
    kinds = await measure_index_kinds(hnsw_vectors)
    return print_results(results, skipped, kinds, hnsw_vectors)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="search rounds over all questions (1..20)")
    parser.add_argument(
        "--hnsw-vectors", type=int, default=20_000, help="vectors for flat vs HNSW (≤ 200000)"
    )
    args = parser.parse_args()
    rounds = min(max(args.rounds, 1), 20)
    vectors = min(max(args.hnsw_vectors, 1_000), 200_000)
    raise SystemExit(anyio.run(main, rounds, vectors))
