"""Print the trace of one tools/call through gateway → client → wallet: each hop's span, duration and own time.

Process runner (default; each service its own process, spans exported over OTLP/HTTP to a collector in
this process) or in process (``--runner inprocess``: spans read from the in-process recorder). After a
warm-up, 21 calls are traced and the one whose gateway span is the median is shown: one call on a shared
machine can be an outlier, the median one is typical.
Run: ``.venv/bin/python -m bench.trace_one [--runner process|inprocess]``.
"""

from __future__ import annotations

import argparse
import logging

import anyio

from bench.hop_cpu import bench_deployment, deposit_for_alice
from bench.overhead import LIMITS, env, process_targets, toy_targets, traced_calls
from bench.trace_split import HOPS, CollectedSpans, SpanTimes, from_recorder, otlp_receiver
from client.tracing import RECORDER
from harness.fixtures.client import serve_stack, toy_wallet

WARM_UP = 20
SHOWN_OF = 21


async def traced_on_processes() -> CollectedSpans:
    async with otlp_receiver() as (url, collected):
        settings = {"MCPH_TRACING_OTLP_ENDPOINT": url, "OTEL_BSP_SCHEDULE_DELAY": "100"}
        async with env(settings), bench_deployment() as deployment:
            await deposit_for_alice(deployment.endpoints.servers["wallet"])
            await traced_calls(process_targets(deployment)["via gateway+client"], WARM_UP + SHOWN_OF)
            await collected.wait_for_traces(WARM_UP + SHOWN_OF, 10)
        return collected


async def traced_in_process() -> CollectedSpans:
    async with (
        env({"MCPH_TRACING_ENABLED": "1"}),
        serve_stack([toy_wallet()], gateway_overrides=LIMITS) as stack,
    ):
        RECORDER.clear()
        await traced_calls(toy_targets(stack)["via gateway+client"], WARM_UP + SHOWN_OF)
        return from_recorder(RECORDER)


def print_trace(hops: dict[str, SpanTimes], attributes: dict[str, dict[str, str]]) -> None:
    gateway = hops["gateway"]
    print(f"trace {gateway.trace_id}")
    for depth, name in enumerate(HOPS):
        span = hops[name]
        inner = hops[HOPS[depth + 1]] if depth + 1 < len(HOPS) else None
        took = (span.end_ns - span.start_ns) / 1e6
        own = took - ((inner.end_ns - inner.start_ns) / 1e6 if inner else 0.0)
        offset = (span.start_ns - gateway.start_ns) / 1e6
        attrs = " ".join(f"{k}={v}" for k, v in sorted(attributes.get(span.span_id, {}).items()))
        print(f"  {'  ' * depth}{name:<8} +{offset:5.2f} ms  {took:6.2f} ms  own {own:5.2f} ms  {attrs}")


async def main(runner: str) -> None:
    logging.disable(logging.WARNING)
    collected = await (traced_on_processes() if runner == "process" else traced_in_process())
    traced = sorted(collected.by_trace().values(), key=lambda hops: hops["gateway"].start_ns)[-SHOWN_OF:]
    traced.sort(key=lambda hops: hops["gateway"].end_ns - hops["gateway"].start_ns)
    print_trace(traced[len(traced) // 2], collected.attributes)
    print(f"(the median of {len(traced)} traced calls by gateway span)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runner", choices=["process", "inprocess"], default="process")
    anyio.run(main, parser.parse_args().runner)
