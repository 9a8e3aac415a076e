"""CPU time per call of each hop (gateway, client, server) on the process runner: a measure a loaded machine
does not bend.

Wall-clock latency on a shared 2-core machine says as much about the neighbours as about us; the CPU
a hop's process burns per call does not depend on them. Each service runs in its own process (the
process runner), the caller (:mod:`bench.wire_caller`, pre-built bytes) sends N sequential
``tools/call`` requests per path, and the hop processes' ``cpu_times`` (user + system) and the caller's
own ``getrusage`` are read before and after. ``--compare sniffio`` runs the same deployment once with
``import sniffio`` failing in every service (a full import-path miss, as when anyio 4.16 no longer
installs it) beside once with it present, in one run; ``--compare fast-path`` runs the client
over its SDK session beside its fast path.
Run: ``.venv/bin/python -m bench.hop_cpu [--calls N] [--compare sniffio|fast-path|none]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
import psutil

from bench.wire_caller import WireConnection, request_bytes
from harness.launch.inprocess import LaunchOptions
from harness.launch.process import ProcessDeployment, launch_processes
from harness.mcp_wire import tool_call
from harness.topology import reference_topology

HOPS = ("gateway", "client", "wallet")
HIDE_SNIFFIO = """
import importlib.abc, importlib.machinery, os, sys
if os.environ.get("MCPH_BENCH_HIDE_SNIFFIO") == "1":
    class _HideSniffio(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name != "sniffio":
                return None
            importlib.machinery.PathFinder.find_spec("sniffio_absent")  # what a real miss costs
            raise ModuleNotFoundError("No module named 'sniffio'", name="sniffio")
    sys.meta_path.insert(0, _HideSniffio())
"""


@dataclass
class PathCpu:
    """One path's cost: CPU ms per call of each hop process and of the caller, and the wall p50."""

    hop_ms: dict[str, float]
    caller_ms: float
    p50_ms: float


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_s(pids: dict[str, int]) -> dict[str, float]:
    out = {}
    for name, pid in pids.items():
        times = psutil.Process(pid).cpu_times()
        out[name] = times.user + times.system
    return out


async def cpu_per_call(
    url: str, tool: str, headers: dict[str, str], pids: dict[str, int], calls: int
) -> PathCpu:
    """``calls`` sequential calls over one kept-alive connection, after a warm-up of 50."""
    connection = await WireConnection.open(url)
    try:
        requests = [
            request_bytes(url, *merge(tool_call(tool, {"account": "alice"}, i), headers))
            for i in range(calls + 50)
        ]
        for raw in requests[:50]:
            answer = await connection.post(raw)
            assert answer.status == 200 and b'"isError":false' in answer.body.replace(b" ", b""), answer.body
        before, caller_before = process_cpu_s(pids), own_cpu_s()
        latencies = []
        for raw in requests[50:]:
            started = time.perf_counter()
            answer = await connection.post(raw)
            latencies.append(time.perf_counter() - started)
            assert answer.status == 200, answer.body
        after, caller_after = process_cpu_s(pids), own_cpu_s()
    finally:
        await connection.close()
    return PathCpu(
        hop_ms={name: (after[name] - before[name]) * 1000 / calls for name in pids},
        caller_ms=(caller_after - caller_before) * 1000 / calls,
        p50_ms=statistics.median(latencies) * 1000,
    )


def merge(request: tuple[dict, dict[str, str]], extra: dict[str, str]) -> tuple[dict, dict[str, str]]:
    body, headers = request
    return body, {**headers, **extra}


@asynccontextmanager
async def bench_deployment(fast_path: bool = True) -> AsyncIterator[ProcessDeployment]:
    """The reference deployment on the process runner, plain HTTP and no proxies (like for like)."""
    options = LaunchOptions(topology=reference_topology(proxied=False), mtls=False)
    options.gateway_overrides = {"rate_limit": "1000000/minute"}
    options.client_overrides = {"fast_path": fast_path}
    async with launch_processes(options) as deployment:
        yield deployment


async def deposit_for_alice(wallet_url: str) -> None:
    """The real wallet answers get_balance of an account it has seen (idempotent: one deposit per run)."""
    deposit = tool_call("deposit", {"account": "alice", "amount": 100, "idempotency_key": "bench"}, 0)
    connection = await WireConnection.open(wallet_url)
    try:
        assert (await connection.post(request_bytes(wallet_url, *deposit))).status == 200
    finally:
        await connection.close()


async def measure_paths(deployment: ProcessDeployment, calls: int) -> dict[str, PathCpu]:
    e = deployment.endpoints
    assert e.gateway and e.client and e.api_key and deployment.supervisor
    pods = deployment.supervisor.pods
    pids = {name: pid for name in HOPS if (pid := pods[name].pid) is not None}
    wallet, client, gateway = e.servers["wallet"], e.client, e.gateway
    await deposit_for_alice(wallet)
    key = {"X-API-Key": e.api_key}
    return {
        "direct": await cpu_per_call(wallet, "get_balance", {}, pids, calls),
        "via client": await cpu_per_call(client, "wallet__get_balance", {}, pids, calls),
        "via gateway+client": await cpu_per_call(gateway, "wallet__get_balance", key, pids, calls),
    }


def print_rows(title: str, rows: dict[str, PathCpu]) -> None:
    print(title)
    print(f"{'path':<20}" + "".join(f"{h + ' ms':>12}" for h in HOPS) + f"{'caller ms':>11}{'p50 ms':>9}")
    for name, row in rows.items():
        hops = "".join(f"{row.hop_ms.get(h, 0.0):>12.3f}" for h in HOPS)
        print(f"{name:<20}{hops}{row.caller_ms:>11.3f}{row.p50_ms:>9.2f}")


async def main(calls: int, compare: str) -> None:
    logging.disable(logging.WARNING)
    variants = {
        "sniffio": [("sniffio hidden", True, True), ("sniffio present", False, True)],
        "fast-path": [("client over the SDK session", False, False), ("client fast path", False, True)],
        "none": [("as configured", False, True)],
    }[compare]
    with tempfile.TemporaryDirectory() as site:
        await anyio.Path(site, "sitecustomize.py").write_text(HIDE_SNIFFIO)
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [site, os.environ.get("PYTHONPATH")]))
        for label, hide_sniffio, fast_path in variants:
            os.environ["MCPH_BENCH_HIDE_SNIFFIO"] = "1" if hide_sniffio else "0"
            async with bench_deployment(fast_path) as deployment:
                rows = await measure_paths(deployment, calls)
            print_rows(f"CPU ms per call, process runner, {label} ({calls} sequential calls):", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--compare", choices=["sniffio", "fast-path", "none"], default="none")
    args = parser.parse_args()
    anyio.run(main, args.calls, args.compare)
