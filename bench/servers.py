"""Throughput and latency of each reference server's tools/call over Streamable HTTP.

Beside every server we serve a trivial SDK tool (returns its input) with the same runner, and call
both with the same raw JSON-RPC client in the same run, interleaving rounds, so the ratio says what
our tools cost on top of the SDK, not how busy the machine happened to be. Calls are cache hits
(the first call warms the cache and is not measured).

    python -m bench.servers [--calls 300] [--rounds 3] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
from mcp.server.mcpserver import MCPServer

from harness.mcp_wire import MODERN_VERSION, tool_call
from servers.common.runner import serve_http
from servers.common.settings import ServerSettings
from servers.registry import server_specs

PROTOCOL = MODERN_VERSION

# One cache-hit call per server: what an agent repeats most.
WORKLOAD: dict[str, tuple[str, dict[str, Any]]] = {
    "weather": ("get_weather", {"city": "Berlin"}),
    "wallet": ("get_balance", {"account": "alice"}),
    "knowledge": ("search", {"query": "how does the circuit breaker recover", "k": 5}),
}


def trivial_server() -> MCPServer:
    server = MCPServer("trivial", log_level="WARNING")

    @server.tool()
    def echo(text: str) -> str:
        """Return the text."""
        return text

    return server


@dataclass
class Measurement:
    latencies_ms: list[float]
    seconds: float

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def call(client: httpx.AsyncClient, url: str, request_id: int, tool: str, args: dict[str, Any]) -> None:
    body, headers = tool_call(tool, args, request_id)
    response = await client.post(url, json=body, headers=headers)
    response.raise_for_status()
    result = response.json().get("result", {})
    if result.get("isError"):
        raise RuntimeError(f"{tool} failed: {result}")


async def measure(url: str, tool: str, args: dict[str, Any], calls: int, concurrency: int) -> Measurement:
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=10) as client:
        await call(client, url, 0, tool, args)  # warm the cache and the connection

        async def worker(offset: int) -> None:
            for i in range(offset, calls, concurrency):
                started = time.perf_counter()
                await call(client, url, i + 1, tool, args)
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        with anyio.fail_after(120):
            async with anyio.create_task_group() as tg:
                for offset in range(concurrency):
                    tg.start_soon(worker, offset)
        return Measurement(latencies, time.perf_counter() - started)


@asynccontextmanager
async def served(server: MCPServer) -> AsyncIterator[str]:
    settings = ServerSettings()
    async with serve_http(server, settings) as listening:
        yield f"{listening.base_url}{settings.path}"


async def prepare(name: str, url: str) -> None:
    """Seed state the workload reads (an account with a balance)."""
    if name == "wallet":
        async with httpx.AsyncClient(timeout=10) as client:
            await call(
                client, url, 1, "deposit", {"account": "alice", "amount": 1000, "idempotency_key": "seed"}
            )


def merge(parts: list[Measurement]) -> Measurement:
    return Measurement([x for m in parts for x in m.latencies_ms], sum(m.seconds for m in parts))


async def main(calls: int, rounds: int, concurrency: int) -> int:
    specs = server_specs()
    print(
        f"tools/call over Streamable HTTP ({PROTOCOL}), {calls} calls × {rounds} rounds, "
        f"{concurrency} concurrent"
    )
    print(f"{'server.tool':<24}{'calls/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'trivial/s':>11}{'ratio':>8}")
    worst = float("inf")
    async with AsyncExitStack() as stack:
        trivial_url = await stack.enter_async_context(served(trivial_server()))
        for name, (tool, args) in WORKLOAD.items():
            spec = specs[name]
            server = await stack.enter_async_context(spec.open(spec.load_settings()))
            url = await stack.enter_async_context(served(server))
            await prepare(name, url)
            ours: list[Measurement] = []
            base: list[Measurement] = []
            for _ in range(rounds):  # interleave so drift hits both alike
                base.append(await measure(trivial_url, "echo", {"text": "hi"}, calls, concurrency))
                ours.append(await measure(url, tool, args, calls, concurrency))
            o, b = merge(ours), merge(base)
            ratio = o.throughput / b.throughput
            worst = min(worst, ratio)
            print(
                f"{name + '.' + tool:<24}{o.throughput:>10.0f}{o.pct(0.5):>9.2f}{o.pct(0.99):>9.2f}"
                f"{b.throughput:>11.0f}{ratio:>7.2f}×"
            )
    goal = 0.8
    print(
        f"worst ratio {worst:.2f}× (goal ≥ {goal}× the trivial tool's throughput): "
        f"{'met' if worst >= goal else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    ns = parser.parse_args()
    raise SystemExit(anyio.run(main, ns.calls, ns.rounds, ns.concurrency))
