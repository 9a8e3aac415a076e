"""What the load user costs: calls/s of one McpUser process vs a plain FastHttpUser vs the SDK client.

One trivial echo server runs in its own process. Against it, in one run: Locust with ``McpUser``
(one process: one core), Locust with a plain ``FastHttpUser`` posting the same bytes framed once (the
ceiling for a Locust user), and the SDK client (asyncio, in this process). Each is measured at full
speed (8 users / 8 sessions, no wait) and at low load (1 user, sequential) for p50 latency.
Goals: McpUser ≥ 0.8× plain, ≥ 2× SDK; p50 at low load within 10 %.

    .venv/bin/python -m bench.load [--seconds 5] [--users 8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import anyio

from load.locust_process import LocustPlan, run_locust
from load.samples import read_samples
from load.stats import run_span, summarize

# Not beside this file: Locust puts the locustfile's folder first on sys.path, where bench/load.py
# would shadow the ``load`` package.
LOCUSTFILE = Path(__file__).parent / "locustfiles" / "echo_users.py"


@dataclass
class Rate:
    calls_per_s: float
    p50_ms: float
    failures: int


async def serve_forever() -> None:
    from bench.servers import served, trivial_server

    async with served(trivial_server()) as url:
        print(url, flush=True)
        await anyio.sleep_forever()


async def locust_rate(url: str, user_class: str, users: int, seconds: float) -> Rate:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as directory:
        plan = LocustPlan(
            host=url,
            users=users,
            spawn_rate=users,
            run_time_s=seconds,
            report_dir=Path(directory),
            locustfile=LOCUSTFILE,
            env={"MCPH_LOAD_RECORD_DIR": directory},
            user_classes=[user_class],
        )
        await run_locust(plan)
        samples = read_samples(Path(directory))
    start, end = run_span(samples)
    stats = summarize(samples, end - start)["tools/call echo"]
    return Rate(stats.rps, stats.percentile(50), stats.failures)


async def sdk_rate(url: str, sessions: int, seconds: float) -> Rate:
    from harness.mcp_http import open_mcp_client

    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def session() -> None:
        nonlocal failures
        async with open_mcp_client(url, timeout_s=10) as client:
            await client.call_tool("echo", {"text": "hello"})  # warm-up
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                result = await client.call_tool("echo", {"text": "hello"})
                latencies.append((time.perf_counter() - started) * 1000)
                failures += bool(result.is_error)

    began = time.perf_counter()
    with anyio.fail_after(seconds + 30):
        async with anyio.create_task_group() as tg:
            for _ in range(sessions):
                tg.start_soon(session)
    latencies.sort()
    return Rate(len(latencies) / (time.perf_counter() - began), latencies[len(latencies) // 2], failures)


async def main(seconds: float, users: int) -> None:
    async with await anyio.open_process([sys.executable, "-m", "bench.load", "--serve"]) as server:
        assert server.stdout is not None
        with anyio.fail_after(30):
            url = (await server.stdout.receive()).decode().strip().splitlines()[0]
        try:
            full = {
                "McpUser": await locust_rate(url, "EchoAgent", users, seconds),
                "plain FastHttpUser": await locust_rate(url, "PlainPoster", users, seconds),
                "SDK client": await sdk_rate(url, users, seconds),
            }
            low = {
                "McpUser": await locust_rate(url, "EchoAgent", 1, seconds),
                "plain FastHttpUser": await locust_rate(url, "PlainPoster", 1, seconds),
                "SDK client": await sdk_rate(url, 1, seconds),
            }
        finally:
            server.terminate()
    print(f"tools/call echo on one server process; {users} users/sessions at full speed, then 1 (low load)")
    print(f"{'client':<20}{'calls/s':>10}{'fails':>7}{'p50 ms (1 user)':>18}{'calls/s (1)':>13}")
    for name in full:
        f, lo = full[name], low[name]
        print(f"{name:<20}{f.calls_per_s:>10.0f}{f.failures:>7}{lo.p50_ms:>18.2f}{lo.calls_per_s:>13.0f}")
    mcp, plain, sdk = full["McpUser"], full["plain FastHttpUser"], full["SDK client"]
    print(f"McpUser / plain FastHttpUser calls/s: {mcp.calls_per_s / plain.calls_per_s:.2f}x (goal >= 0.8x)")
    print(f"McpUser / SDK client calls/s:         {mcp.calls_per_s / sdk.calls_per_s:.2f}x (goal >= 2x)")
    p50s = [low[name].p50_ms for name in low]
    print(
        f"p50 at low load, McpUser vs plain: {low['McpUser'].p50_ms / low['plain FastHttpUser'].p50_ms:.2f}x, "
        f"vs SDK: {low['McpUser'].p50_ms / low['SDK client'].p50_ms:.2f}x "
        f"(spread {max(p50s) / min(p50s) - 1:.0%}; goal within 10 %)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measurement")
    parser.add_argument("--users", type=int, default=8, help="users (Locust) or sessions (SDK) at full speed")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        anyio.run(serve_forever)
    else:
        anyio.run(main, args.seconds, args.users)
