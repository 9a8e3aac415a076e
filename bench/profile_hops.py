"""Flame graphs of every hop of a ``tools/call`` through gateway → client → server, written to ``bench/profiles/``.

Process runner: each service is its own process and py-spy samples each one (``--nonblocking``, idle
time excluded, so a graph is where that hop burns CPU) while :mod:`bench.wire_caller` drives calls
through the gateway. In process: the three hops share this process's event loop, as in the test
fixtures, and py-spy samples this process. Each SVG is followed by its heaviest frames (inclusive share
of the samples) on stdout, read from the graph itself, which is what ``bench/profiles/README.md`` reads.
Run as root (py-spy attaches to running processes): ``.venv/bin/python -m bench.profile_hops [--seconds S]``.
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import anyio

from bench.hop_cpu import HOPS, bench_deployment
from bench.wire_caller import WireConnection, request_bytes
from harness.fixtures.client import serve_stack, toy_wallet
from harness.mcp_wire import tool_call

PROFILES = Path(__file__).parent / "profiles"
FRAME = re.compile(
    r'<title>(?P<frame>[^<]*?) \([\d,]+ samples?, [\d.]+%\)</title><rect [^>]*?y="(?P<y>\d+)"'
    r'[^>]*?fg:x="(?P<x>\d+)" fg:w="(?P<w>\d+)"'
)
FILE = re.compile(r"\((?P<path>[^():]+)(?::\d+)?\)$")


def py_spy(pid: int, out: Path, seconds: float) -> subprocess.Popen[bytes]:
    argv = [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid), "--rate", "250"]
    argv += ["--duration", str(int(seconds)), "--nonblocking", "--format", "flamegraph", "-o", str(out)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def self_samples(svg: Path) -> tuple[Counter[str], int]:
    """Samples spent in each frame itself (not in what it called), read from the graph's rectangles."""
    frames = [
        (html.unescape(m["frame"]), int(m["y"]), int(m["x"]), int(m["w"]))
        for m in FRAME.finditer(svg.read_text())
    ]
    children: Counter[tuple[int, int]] = Counter()
    by_level: dict[int, list[tuple[int, int]]] = {}
    for _, y, x, w in frames:
        by_level.setdefault(y, []).append((x, w))
    for _, y, x, w in frames:
        for cx, cw in by_level.get(y + 16, []):
            if x <= cx < x + w:
                children[(y, x)] += cw
    own: Counter[str] = Counter()
    total = 0
    for frame, y, x, w in frames:
        if frame == "all":
            total = w
            continue
        own[frame] += w - children[(y, x)]
    return own, total


def package_of(frame: str) -> str:
    """``httpcore``, ``starlette``, ``client``… from a frame's file path (stdlib modules by name)."""
    match = FILE.search(frame)
    if not match:
        return "?"
    path = match["path"].split("/site-packages/")[-1].lstrip("<").rstrip(">")
    head = path.split("/")[0].removesuffix(".py")
    return head.replace("frozen ", "")


def heaviest(svg: Path, top: int = 10) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Packages and functions by their own (self) share of the samples."""
    own, total = self_samples(svg)
    packages: Counter[str] = Counter()
    for frame, samples in own.items():
        packages[package_of(frame)] += samples
    share = lambda counter: [(k, 100 * v / max(total, 1)) for k, v in counter.most_common(top)]  # noqa: E731
    return share(packages), share(own)


async def drive(url: str, tool: str, headers: dict[str, str], seconds: float) -> int:
    """Sequential calls on one connection for ``seconds``; returns how many."""
    connection = await WireConnection.open(url)
    count, deadline = 0, time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            body, base = tool_call(tool, {"account": "alice"}, count)
            answer = await connection.post(request_bytes(url, body, {**base, **headers}))
            assert answer.status == 200, answer.body
            count += 1
    finally:
        await connection.close()
    return count


async def profile_processes(seconds: float) -> list[Path]:
    async with bench_deployment() as deployment:
        e, supervisor = deployment.endpoints, deployment.supervisor
        assert e.gateway and e.api_key and supervisor
        key = {"X-API-Key": e.api_key}
        await drive(e.gateway, "wallet__get_balance", key, 1.0)  # warm-up
        outputs = {hop: PROFILES / f"process-{hop}.svg" for hop in HOPS}
        spies = [py_spy(supervisor.pods[hop].pid or 0, out, seconds) for hop, out in outputs.items()]
        calls = await drive(e.gateway, "wallet__get_balance", key, seconds + 0.5)
        for spy in spies:
            await anyio.to_thread.run_sync(spy.wait)
        print(f"process runner: {calls} calls through gateway → client → wallet in {seconds + 0.5:g} s")
        return list(outputs.values())


async def profile_in_process(seconds: float) -> Path:
    out = PROFILES / "inprocess-all-hops.svg"
    async with serve_stack([toy_wallet()], gateway_overrides={"rate_limit": "1000000/minute"}) as stack:
        key = {"X-API-Key": stack.api_key}
        url = f"{stack.gateway_url}/mcp"
        await drive(url, "wallet__get_balance", key, 1.0)
        spy = py_spy(os.getpid(), out, seconds)
        calls = await drive(url, "wallet__get_balance", key, seconds + 0.5)
        await anyio.to_thread.run_sync(spy.wait)
    print(f"in process: {calls} calls through gateway → client → toy wallet in {seconds + 0.5:g} s")
    return out


async def main(seconds: float, which: str) -> None:
    logging.disable(logging.WARNING)
    PROFILES.mkdir(exist_ok=True)
    outputs = []
    if which in ("process", "both"):
        outputs += await profile_processes(seconds)
    if which in ("inprocess", "both"):
        outputs.append(await profile_in_process(seconds))
    for svg in outputs:
        packages, functions = heaviest(svg)
        print(f"\n{svg.relative_to(PROFILES.parent.parent)}: own % of samples by package, then by function")
        print("  " + " · ".join(f"{name} {pct:.0f}" for name, pct in packages))
        for name, pct in functions:
            print(f"  {pct:5.1f}  {re.sub(r'/[^ ]*/site-packages/', '', name)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--which", choices=["process", "inprocess", "both"], default="both")
    args = parser.parse_args()
    anyio.run(main, args.seconds, args.which)
