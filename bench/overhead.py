"""Overhead of the client and the gateway on a tools/call: direct to a server vs via client vs via gateway.

All three are measured the same way in one run: raw httpx JSON-RPC POSTs in the 2026-07-28 shape,
sequential (latency p50/p99) and with 8 concurrent callers (throughput). Goal: gateway p50 ≤ 1.5× direct.
The same three paths are then measured on the process runner (each service its own OS process, like
production pods; plain HTTP, no proxies, the real wallet server) beside the in-process numbers.
Run: ``.venv/bin/python -m bench.overhead [--calls N]``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from typing import Any

import anyio
import httpx

from harness.fixtures.client import serve_stack, toy_wallet
from harness.launch.inprocess import LaunchOptions
from harness.launch.process import launch_processes
from harness.mcp_wire import tool_call
from harness.topology import reference_topology


def call(tool: str, i: int) -> tuple[dict[str, Any], dict[str, str]]:
    return tool_call(tool, {"account": "alice"}, i)


async def measure(
    http: httpx.AsyncClient, url: str, tool: str, calls: int, extra: dict[str, str]
) -> dict[str, float]:
    latencies = []
    for i in range(calls):
        body, headers = call(tool, i)
        started = time.perf_counter()
        response = await http.post(url, json=body, headers={**headers, **extra})
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200 and '"isError":false' in response.text.replace(" ", ""), (
            response.text
        )
    latencies.sort()
    concurrent_calls = calls
    started = time.perf_counter()

    async def worker(n: int) -> None:
        for i in range(n):
            body, headers = call(tool, i)
            (await http.post(url, json=body, headers={**headers, **extra})).raise_for_status()

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(worker, concurrent_calls // 8)
    elapsed = time.perf_counter() - started
    return {
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "rps": (concurrent_calls // 8 * 8) / elapsed,
    }


async def process_rows(http: httpx.AsyncClient, calls: int) -> dict[str, dict[str, float]]:
    """The three paths with every service in its own process (plain HTTP, no proxies: like for like)."""
    options = LaunchOptions(topology=reference_topology(proxied=False), mtls=False)
    options.gateway_overrides = {"rate_limit": "1000000/minute"}
    async with launch_processes(options) as deployment:
        e = deployment.endpoints
        assert e.gateway and e.client and e.api_key
        deposit = tool_call("deposit", {"account": "alice", "amount": 100, "idempotency_key": "bench"}, 0)
        (await http.post(e.servers["wallet"], json=deposit[0], headers=deposit[1])).raise_for_status()
        key = {"X-API-Key": e.api_key}
        paths = {"direct": (e.servers["wallet"], "get_balance", {})}
        paths["via client"] = (e.client, "wallet__get_balance", {})
        paths["via gateway+client"] = (e.gateway, "wallet__get_balance", key)
        for url, tool, extra in paths.values():
            await measure(http, url, tool, 40, extra)  # warm-up
        return {
            name: await measure(http, url, tool, calls, extra) for name, (url, tool, extra) in paths.items()
        }


async def main(calls: int) -> None:
    logging.disable(logging.WARNING)
    limits = {"rate_limit": "1000000/minute"}
    async with (
        serve_stack([toy_wallet()], gateway_overrides=limits) as stack,
        httpx.AsyncClient(timeout=30) as http,
    ):
        key = {"X-API-Key": stack.api_key}
        for target in (stack.server_urls["wallet"], f"{stack.client_url}/mcp", f"{stack.gateway_url}/mcp"):
            name = "get_balance" if target == stack.server_urls["wallet"] else "wallet__get_balance"
            await measure(http, target, name, 40, key)  # warm-up
        rows = {
            "direct": await measure(http, stack.server_urls["wallet"], "get_balance", calls, {}),
            "via client": await measure(http, f"{stack.client_url}/mcp", "wallet__get_balance", calls, {}),
            "via gateway+client": await measure(
                http, f"{stack.gateway_url}/mcp", "wallet__get_balance", calls, key
            ),
        }
        processes = await process_rows(http, calls)
    base = rows["direct"]
    print(f"tools/call wallet get_balance, {calls} sequential calls + {calls} over 8 concurrent callers")
    print(f"{'path':<20}{'p50 ms':>9}{'p99 ms':>9}{'calls/s':>10}{'p50 ×':>8}{'rps ×':>8}")
    for name, row in rows.items():
        print(
            f"{name:<20}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}{row['rps']:>10.0f}"
            f"{row['p50_ms'] / base['p50_ms']:>8.2f}{row['rps'] / base['rps']:>8.2f}"
        )
    print("process runner (each service its own OS process; real wallet server):")
    for name, row in processes.items():
        print(
            f"{name:<20}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}{row['rps']:>10.0f}"
            f"{row['p50_ms'] / processes['direct']['p50_ms']:>8.2f}{row['rps'] / processes['direct']['rps']:>8.2f}"
        )
    ratio = rows["via gateway+client"]["p50_ms"] / base["p50_ms"]
    print(f"goal gateway p50 ≤ 1.5× direct: {'met' if ratio <= 1.5 else 'NOT met'} ({ratio:.2f}×)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=400)
    anyio.run(main, parser.parse_args().calls)
