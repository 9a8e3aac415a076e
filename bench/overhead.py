"""Overhead of the client and the gateway on a tools/call: direct vs via client vs via gateway + client.

One run measures, on both runners (in process: toy wallet, every hop on one event loop; process runner:
each service its own OS process like production pods, the real wallet server, plain HTTP, no proxies):

* p50/p99 of sequential calls and calls/s with 8 concurrent callers, for the three paths, with ratios;
* on the process runner, the CPU each hop's process burns per call (``bench.hop_cpu``) — the measure a
  loaded machine bends least;
* the per-hop split of one call's time from its trace (gateway, client, server spans; ``bench.trace_split``),
  in a separate pass with tracing on so the timing pass runs with tracing off.

The load generator is lighter than the hops: pre-built request bytes over kept-alive sockets
(``bench.wire_caller``); its own CPU per call is printed beside the hops'. Goal on the process runner:
p50 via gateway + client ≤ 1.5× direct and calls/s ≥ 0.5× direct.
Run: ``.venv/bin/python -m bench.overhead [--calls N]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
import timeit
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio

from bench.hop_cpu import PathCpu, bench_deployment, deposit_for_alice, measure_paths
from bench.trace_split import CollectedSpans, from_recorder, hop_split_ms, otlp_receiver
from bench.wire_caller import WireConnection, request_bytes
from client.tracing import RECORDER, Tracing
from harness.fixtures.client import Stack, serve_stack, toy_wallet
from harness.launch.process import ProcessDeployment
from harness.mcp_wire import tool_call

CONCURRENCY = 8
Target = tuple[str, str, dict[str, str]]  # url, tool, extra headers


@dataclass
class Row:
    p50_ms: float
    p99_ms: float
    rps: float


def build(target: Target, i: int) -> bytes:
    url, tool, extra = target
    body, headers = tool_call(tool, {"account": "alice"}, i)
    return request_bytes(url, body, {**headers, **extra})


async def measure(target: Target, calls: int) -> Row:
    """``calls`` sequential calls (latency), then ``calls`` over 8 concurrent connections (throughput)."""
    requests = [build(target, i) for i in range(calls)]
    connection = await WireConnection.open(target[0])
    latencies = []
    try:
        for raw in requests[:40]:  # warm-up
            await connection.post(raw)
        for raw in requests:
            started = time.perf_counter()
            answer = await connection.post(raw)
            latencies.append(time.perf_counter() - started)
            assert answer.status == 200 and b'"isError":false' in answer.body, answer.body
    finally:
        await connection.close()
    latencies.sort()
    per_caller = calls // CONCURRENCY

    async def caller(n: int) -> None:
        own = await WireConnection.open(target[0])
        try:
            for raw in requests[n * per_caller : (n + 1) * per_caller]:
                assert (await own.post(raw)).status == 200
        finally:
            await own.close()

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for n in range(CONCURRENCY):
            tg.start_soon(caller, n)
    elapsed = time.perf_counter() - started
    return Row(
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        rps=per_caller * CONCURRENCY / elapsed,
    )


async def traced_calls(target: Target, calls: int) -> None:
    connection = await WireConnection.open(target[0])
    try:
        for i in range(calls):
            assert (await connection.post(build(target, i))).status == 200
    finally:
        await connection.close()


@asynccontextmanager
async def env(values: dict[str, str]) -> AsyncIterator[None]:
    """Set environment variables for services started inside the block (children inherit them)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def toy_targets(s: Stack) -> dict[str, Target]:
    key = {"X-API-Key": s.api_key}
    return {
        "direct": (s.server_urls["wallet"], "get_balance", {}),
        "via client": (f"{s.client_url}/mcp", "wallet__get_balance", {}),
        "via gateway+client": (f"{s.gateway_url}/mcp", "wallet__get_balance", key),
    }


def process_targets(deployment: ProcessDeployment) -> dict[str, Target]:
    e = deployment.endpoints
    assert e.client and e.gateway and e.api_key
    return {
        "direct": (e.servers["wallet"], "get_balance", {}),
        "via client": (e.client, "wallet__get_balance", {}),
        "via gateway+client": (e.gateway, "wallet__get_balance", {"X-API-Key": e.api_key}),
    }


LIMITS = {"rate_limit": "1000000/minute"}


async def in_process(calls: int) -> tuple[dict[str, Row], dict[str, float]]:
    async with serve_stack([toy_wallet()], gateway_overrides=LIMITS) as stack:
        rows = {name: await measure(t, calls) for name, t in toy_targets(stack).items()}
    async with (
        env({"MCPH_TRACING_ENABLED": "1"}),
        serve_stack([toy_wallet()], gateway_overrides=LIMITS) as stack,
    ):
        target = toy_targets(stack)["via gateway+client"]
        await traced_calls(target, 20)
        RECORDER.clear()
        await traced_calls(target, min(calls, 200))
        split = hop_split_ms(from_recorder(RECORDER))
    return rows, split


async def on_processes(calls: int) -> tuple[dict[str, Row], dict[str, PathCpu], dict[str, float]]:
    async with bench_deployment() as deployment:
        targets = process_targets(deployment)
        cpu = await measure_paths(deployment, calls)  # also deposits alice's balance
        rows = {name: await measure(t, calls) for name, t in targets.items()}
    traced = min(calls, 200)
    async with otlp_receiver() as (url, collected):
        settings = {"MCPH_TRACING_OTLP_ENDPOINT": url, "OTEL_BSP_SCHEDULE_DELAY": "100"}
        async with env(settings), bench_deployment() as deployment:
            await deposit_for_alice(deployment.endpoints.servers["wallet"])
            target = process_targets(deployment)["via gateway+client"]
            await traced_calls(target, traced)
            await collected.wait_for_traces(traced, 10)
        split = hop_split_ms(trimmed(collected, traced))
    return rows, cpu, split


def trimmed(collected: CollectedSpans, keep: int) -> CollectedSpans:
    traces = collected.by_trace()
    return CollectedSpans([span for hops in list(traces.values())[-keep:] for span in hops.values()])


def print_rows(title: str, rows: dict[str, Row], cpu: dict[str, PathCpu] | None = None) -> None:
    base = rows["direct"]
    print(title)
    header = f"{'path':<20}{'p50 ms':>8}{'p99 ms':>8}{'calls/s':>9}{'p50 ×':>7}{'rps ×':>7}"
    if cpu:
        header += f"{'CPU ms/call: gateway':>22}{'client':>8}{'server':>8}{'caller':>8}"
    print(header)
    for name, row in rows.items():
        line = (
            f"{name:<20}{row.p50_ms:>8.2f}{row.p99_ms:>8.2f}{row.rps:>9.0f}"
            f"{row.p50_ms / base.p50_ms:>7.2f}{row.rps / base.rps:>7.2f}"
        )
        if cpu:
            c = cpu[name]
            hops = c.hop_ms
            line += (
                f"{hops.get('gateway', 0):>22.2f}{hops.get('client', 0):>8.2f}{hops.get('wallet', 0):>8.2f}"
            )
            line += f"{c.caller_ms:>8.2f}"
        print(line)


def print_split(split: dict[str, float]) -> None:
    own = "  ".join(f"{hop} {split[hop]:.2f}" for hop in ("gateway", "client", "server"))
    print(
        f"  per-hop own time from {split['traces']:.0f} traces (median ms): {own}  (gateway span {split['total']:.2f})"
    )


def tracing_off_cost_us() -> float:
    """What a hop pays per call with tracing off (the span it does not open), in microseconds."""
    off = Tracing.off()

    def hop() -> None:
        with off.hop("client", None, {"mcp.tool": "wallet__get_balance"}):
            pass

    return timeit.timeit(hop, number=100_000) / 100_000 * 1e6


async def main(calls: int) -> None:
    logging.disable(logging.WARNING)
    rows, split = await in_process(calls)
    processes, cpu, process_split = await on_processes(calls)
    print(f"tools/call wallet get_balance: {calls} sequential calls, then {calls} over {CONCURRENCY} callers")
    print_rows("in process (toy wallet; every hop on one event loop):", rows)
    print_split(split)
    print_rows("process runner (each service its own OS process; real wallet server):", processes, cpu)
    print_split(process_split)
    ratio = processes["via gateway+client"].p50_ms / processes["direct"].p50_ms
    rps = processes["via gateway+client"].rps / processes["direct"].rps
    verdict = "met" if ratio <= 1.5 and rps >= 0.5 else "NOT met"
    print(f"tracing off costs each hop {tracing_off_cost_us():.2f} µs per call (timeit of the span it skips)")
    print(f"goal (process runner) p50 ≤ 1.5× and calls/s ≥ 0.5× direct: {verdict} ({ratio:.2f}×, {rps:.2f}×)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=400)
    anyio.run(main, parser.parse_args().calls)
