"""``knowledge-bandwidth-slicer``: large results over a thin, chopped link arrive intact or fail clearly.

Fault: on the responses of the client→knowledge edge (mTLS), a ``bandwidth`` toxic (200 KB/s) and a
``slicer`` toxic (≈512-byte pieces, a few µs apart), so every large answer crosses many small, slow
TCP segments. Property:

* every ``search`` with ``k=50`` over long documents either returns exactly the steady-state answer
  (byte-for-byte the same structured result) or fails with a clear error — never a corrupted result;
* at least one arrives intact within the knowledge deadline (the deadline covers the transfer time);
* after the toxics are removed, answers are again identical to the steady state.
"""

from __future__ import annotations

import functools
import json
import uuid
from typing import Any

from chaos.experiments import Experiment, ExperimentContext
from harness.experiments.deployment import DEFAULT_POLICY, ResiliencePolicy
from harness.experiments.polling import eventually
from harness.experiments.probe import CallOutcome, GatewayProbe
from harness.launch.inprocess import Deployment

NAME = "knowledge-bandwidth-slicer"
EDGE = "client-knowledge"
TOXICS: dict[str, tuple[str, dict[str, Any]]] = {
    "experiment-bandwidth": ("bandwidth", {"rate": 200}),
    "experiment-slicer": ("slicer", {"average_size": 512, "size_variation": 128, "delay": 20}),
}
QUERIES = ("reliability of distributed ledgers under network partitions", "password reset and refunds")
CALLS_PER_QUERY = 2
CLEAR_ERRORS = ("upstream_timeout", "upstream_unavailable", "circuit_open", "upstream_busy", "upstream_error")
LONG_DOCUMENTS = 4
SENTENCES_PER_DOCUMENT = 120


def long_documents(tag: str) -> list[dict[str, Any]]:
    """Deterministic long texts (≈ 12 k characters each) that the queries match."""
    words = ("ledger", "partition", "replica", "refund", "password", "network", "quorum", "latency")
    documents = []
    for d in range(LONG_DOCUMENTS):
        sentences = [
            f"Section {d}.{s}: the {words[(d + s) % len(words)]} of a distributed system under "
            f"{words[(d * 3 + s) % len(words)]} pressure keeps its {words[s % len(words)]} invariants "
            f"(case {tag}-{d}-{s})."
            for s in range(SENTENCES_PER_DOCUMENT)
        ]
        documents.append({"id": f"{tag}-long-{d}", "title": f"Long text {d}", "text": " ".join(sentences)})
    return documents


def canonical(outcome: CallOutcome) -> str:
    return json.dumps(outcome.structured, sort_keys=True)


def build(deployment: Deployment, policy: ResiliencePolicy = DEFAULT_POLICY) -> Experiment:
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key, "the deployment has no gateway"
    probe = GatewayProbe(endpoints.gateway, endpoints.api_key, timeout_s=policy.knowledge_deadline_s + 10)
    tag = f"bw{uuid.uuid4().hex[:6]}"

    async def search(query: str) -> CallOutcome:
        return await probe.call("knowledge__search", {"query": query, "k": 50})

    async def compare_all(ctx: ExperimentContext, phase: str) -> tuple[int, int]:
        intact = failed = 0
        worst = 0.0
        for query in QUERIES:
            for _ in range(CALLS_PER_QUERY):
                outcome = await search(query)
                worst = max(worst, outcome.latency_s)
                if outcome.ok:
                    ctx.check(
                        canonical(outcome) == ctx.facts[query],
                        f"search {query!r} returned a result that differs from the steady state during "
                        f"{phase} ({len(canonical(outcome))} vs {len(ctx.facts[query])} bytes): corrupted",
                    )
                    intact += 1
                else:
                    ctx.check(
                        any(code in outcome.text for code in CLEAR_ERRORS),
                        f"search failed without a clear error during {phase}: {outcome.describe()}",
                    )
                    failed += 1
        ctx.record(f"{phase}_max_ms", worst * 1000)
        return intact, failed

    async def hypothesis(ctx: ExperimentContext) -> None:
        ingested = await probe.call("knowledge__ingest", {"documents": long_documents(tag)})
        ctx.check(ingested.ok, f"could not ingest the long documents: {ingested.describe()}")
        for query in QUERIES:
            first, second = await search(query), await search(query)
            ctx.check(first.ok and second.ok, f"search failed in the steady state: {first.describe()}")
            ctx.check(canonical(first) == canonical(second), f"search {query!r} is not deterministic")
            hits = (first.structured or {}).get("hits") or []
            ctx.check(len(hits) == 50, f"search {query!r} returned {len(hits)} hits, expected 50")
            ctx.facts[query] = canonical(first)
            ctx.record(f"result_bytes_q{QUERIES.index(query)}", len(ctx.facts[query]))
            ctx.record("steady_max_ms", max(first.latency_s, second.latency_s) * 1000)

    async def inject(ctx: ExperimentContext) -> None:
        for name, (kind, attributes) in TOXICS.items():
            await deployment.toxiproxy.add_toxic(
                EDGE, kind, name=name, stream="downstream", attributes=attributes
            )

    async def observe(ctx: ExperimentContext) -> None:
        intact, failed = await compare_all(ctx, "fault")
        ctx.record("intact_during_fault", intact)
        ctx.record("failed_clearly_during_fault", failed)
        ctx.check(
            intact > 0,
            f"no large result arrived within the {policy.knowledge_deadline_s:g} s deadline "
            f"({failed} clear failures)",
        )

    async def rollback(ctx: ExperimentContext) -> None:
        for name in TOXICS:
            await deployment.toxiproxy.remove_toxic(EDGE, name)

    async def verify(ctx: ExperimentContext) -> None:
        for query in QUERIES:  # the breaker may have opened on failures: give it its open time
            outcome = await search(query)
            if not outcome.ok:
                polled = await eventually(
                    functools.partial(search, query), lambda o: o.ok, within_s=policy.recovery_within_s
                )
                outcome = polled.value
            ctx.check(outcome.ok, f"search did not recover: {outcome.describe()}")
            ctx.check(canonical(outcome) == ctx.facts[query], f"search {query!r} differs after recovery")

    async def close_probe(ctx: ExperimentContext) -> None:
        await probe.aclose()

    return Experiment(
        name=NAME,
        description="bandwidth + slicer on client→knowledge: k=50 results arrive identical or fail clearly",
        hypothesis=hypothesis,
        inject=inject,
        observe=observe,
        rollback=rollback,
        verify=verify,
        cleanup=close_probe,
    )
