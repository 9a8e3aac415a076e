"""Named steps that wrap whole checks YAML cannot spell: SDK sessions, the contract suite, recall, mTLS.

Each measures numbers under ``<as>.<name>`` (with notes saying what went wrong), and ``measure``
expectations judge them, so the report shows the measured value beside the bound.
"""

from __future__ import annotations

import ssl
import sys
from typing import Any, Literal

import httpx
from pydantic import Field

from harness.scenario.context import RunContext, StepError
from harness.scenario.fields import Seconds, Strict
from harness.scenario.record import CallRecord


class SampleCall(Strict):
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class SdkCallsArgs(Strict):
    mode: Literal["auto", "legacy"] = "auto"
    calls: list[SampleCall] = Field(min_length=1)


class ContractArgs(Strict):
    target: Literal["gateway", "weather", "wallet", "knowledge"]
    request_timeout: Seconds = Field(30.0, description="one request (a stdio server starts within it)")


class RecallArgs(Strict):
    k: int = Field(5, ge=1, le=50)


class DocumentsArgs(Strict):
    documents: int = Field(4, ge=1, le=50)
    sentences: int = Field(120, ge=1, le=2_000)


class NoArgs(Strict):
    pass


async def sdk_calls(ctx: RunContext, args: SdkCallsArgs, label: str) -> None:
    """Call each sample through the SDK client (either protocol version); compare with tools/list."""
    from harness.mcp_http import open_mcp_client

    reached = ctx.reached
    failed: list[str] = []
    async with open_mcp_client(reached.gateway, api_key=reached.api_key, mode=args.mode) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        for n, sample in enumerate(args.calls):
            arguments = ctx.render(sample.arguments, n, label)
            result = await client.call_tool(sample.tool, arguments)
            if result.is_error:
                text = " ".join(getattr(c, "text", "") for c in result.content)
                failed.append(f"{sample.tool}: {text[:200]}")
        ctx.record.measure(f"{label}.protocol", client.protocol_version)
    sampled = {s.tool for s in args.calls}
    ctx.record.measure(f"{label}.failed", len(failed), failed)
    ctx.record.measure(f"{label}.unsampled", len(listed - sampled), sorted(listed - sampled))
    ctx.record.measure(f"{label}.unlisted", len(sampled - listed), sorted(sampled - listed))


async def contract(ctx: RunContext, args: ContractArgs, label: str) -> None:
    """The contract suite on a server over stdio, or on the gateway over HTTP with the API key."""
    from harness.contract.runner import run_contract
    from harness.contract.settings import ContractSettings
    from harness.contract.target import Target

    if args.target == "gateway":
        headers = {"Authorization": f"Bearer {ctx.reached.api_key}"}
        target = Target.http(ctx.reached.gateway, extra_headers=headers)
    else:
        argv = [sys.executable, "-m", "harness.cli", "serve", args.target, "--transport", "stdio"]
        target = Target.stdio(argv)
    settings = ContractSettings(
        request_timeout_s=args.request_timeout, fuzz_seed=ctx.seed
    )  # same seed, same fuzz
    report = await run_contract(target, settings=settings)
    broken = [f"{r.name}: {r.why[:200]}" for r in report.results if r.breaks_run]
    findings = [f"{r.name}: {r.why[:160]}" for r in report.findings() if not r.breaks_run]
    ctx.record.measure(f"{label}.must_broken", len(broken), broken)
    ctx.record.measure(f"{label}.should_findings", len(findings), findings)
    ctx.record.measure(f"{label}.checks", sum(report.counts().values()))


async def recall(ctx: RunContext, args: RecallArgs, label: str) -> None:
    """recall@k of the knowledge server's labelled questions, asked through the gateway."""
    from servers.knowledge.corpus import load_questions
    from servers.knowledge.evaluate import evaluate_recall
    from servers.knowledge.models import SearchResult

    async def search(query: str, k: int) -> SearchResult:
        arguments = {"query": query, "k": k}
        t = ctx.record.now()
        outcome = await ctx.probe.call("knowledge__search", arguments)
        ctx.record.calls.append(CallRecord(label, t, arguments, outcome))
        if not outcome.ok:
            raise StepError(f"search failed: {outcome.describe()}")
        return SearchResult.model_validate(outcome.structured)

    report = await evaluate_recall(search, load_questions(answerable=True), k=args.k)
    ctx.record.measure(f"{label}.recall", report.recall)
    ctx.record.measure(f"{label}.questions", report.questions)


async def servers_refuse_without_certificate(ctx: RunContext, args: NoArgs, label: str) -> None:
    """Each server, dialled directly with its CA but no client certificate, must refuse the caller."""
    endpoints = ctx.reached.endpoints
    if endpoints is None or endpoints.tls is None:
        raise StepError("the servers' addresses and CA are known only for a launched deployment with tls")
    answered: list[str] = []
    plain: list[str] = []
    trust = ssl.create_default_context(cafile=endpoints.tls.ca)
    for name, url in endpoints.servers.items():
        if not url.startswith("https://"):
            plain.append(f"{name} serves plain HTTP")
            continue
        async with httpx.AsyncClient(verify=trust, timeout=5) as http:
            try:
                response = await http.post(url, json={})
            except httpx.HTTPError:
                continue
        answered.append(f"{name} answered HTTP {response.status_code} without a client certificate")
    ctx.record.measure(f"{label}.answered", len(answered) + len(plain), answered + plain)
    ctx.record.measure(f"{label}.servers", len(endpoints.servers))


def long_documents(tag: str, documents: int, sentences: int) -> list[dict[str, Any]]:
    """Deterministic long texts (≈ 100 characters a sentence) that ledger/refund queries match."""
    words = ("ledger", "partition", "replica", "refund", "password", "network", "quorum", "latency")
    out = []
    for d in range(documents):
        text = " ".join(
            f"Section {d}.{s}: the {words[(d + s) % len(words)]} of a distributed system under "
            f"{words[(d * 3 + s) % len(words)]} pressure keeps its {words[s % len(words)]} invariants "
            f"(case {tag}-{d}-{s})."
            for s in range(sentences)
        )
        out.append({"id": f"{tag}-long-{d}", "title": f"Long text {d}", "text": text})
    return out


async def ingest_long_documents(ctx: RunContext, args: DocumentsArgs, label: str) -> None:
    arguments = {"documents": long_documents(ctx.run_tag, args.documents, args.sentences)}
    t = ctx.record.now()
    outcome = await ctx.probe.call("knowledge__ingest", arguments)
    ctx.record.calls.append(CallRecord(label, t, {"documents": args.documents}, outcome))
    if not outcome.ok:
        raise StepError(f"could not ingest the long documents: {outcome.describe()}")
