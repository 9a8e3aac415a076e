"""What the embedded fault proxy costs with no toxics: tools/call latency and bulk TCP throughput.

Both are measured direct and through the proxy in the same run, in interleaved rounds, so the ratios
say what the proxy adds, not how busy the machine was. The proxy runs as its own process
(``mcp-harness proxy``), as it would in a deployment, so it does not share the bench's event loop.
Goals: tools/call p50 ≤ 1.1× direct, throughput ≥ 0.8× direct.

Bulk throughput is also measured through a reference relay in its own process that moves bytes
inside the kernel (``os.splice``, one thread per direction, Linux only): no Python touches the data.
An extra loopback hop doubles the kernel's TCP work, so on a small machine even that relay falls
well short of direct; the proxy's ratio against it says what the proxy itself costs.

    python -m bench.proxy [--calls 400] [--rounds 4] [--mib 256]   (from the repo root)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from mcp.server.mcpserver import MCPServer

from chaos.client import ToxiproxyClient
from harness.mcp_wire import tool_call
from servers.common.runner import serve_http
from servers.common.settings import ServerSettings

BLOCK = 1024 * 1024


def build_server() -> MCPServer:
    server = MCPServer("bench-echo", log_level="WARNING")

    @server.tool()
    def echo(text: str) -> str:
        return text

    return server


@asynccontextmanager
async def proxy_process() -> AsyncIterator[str]:
    """``mcp-harness proxy`` on a free port in a subprocess; yields its API URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "harness.cli", "proxy", "--port", "0", stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(20):
            line = (await process.stdout.readline()).decode()
        yield line.rsplit(" ", 1)[-1].strip()
    finally:
        process.terminate()
        async with asyncio.timeout(10):
            await process.wait()


async def call_round(http: httpx.AsyncClient, url: str, calls: int) -> list[float]:
    samples = []
    for request_id in range(calls):
        started = time.perf_counter()
        body, headers = tool_call("echo", {"text": "hello"}, request_id)
        response = await http.post(url, json=body, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or "error" in response.json():
            raise RuntimeError(f"tools/call failed: {response.status_code} {response.text[:200]}")
    return samples


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def sink_server() -> tuple[socket.socket, int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    return listener, listener.getsockname()[1]


def serve_sink(listener: socket.socket, stop: threading.Event) -> None:
    """Count bytes until EOF on each connection, then answer with one byte (the receipt)."""
    buffer = bytearray(BLOCK)
    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        with conn:
            while conn.recv_into(buffer):
                pass
            # The proxy closes the upstream when the client finishes, so no receipt can go back
            # through it; the sender measures until its own EOF instead.


def send_bulk(port: int, total: int) -> float:
    """Send ``total`` bytes, half-close, wait for the peer's close; returns MB/s."""
    payload = bytes(BLOCK)
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * BLOCK)
        started = time.perf_counter()
        for _ in range(total // BLOCK):
            conn.sendall(payload)
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(30)
        conn.recv(1)  # EOF once every byte has reached the sink and it closed
        elapsed = time.perf_counter() - started
    return total / elapsed / 1e6


def splice_pump(source: socket.socket, destination: socket.socket) -> None:
    """Move bytes ``source`` → pipe → ``destination`` in the kernel until EOF, then pass the EOF on."""
    read_end, write_end = os.pipe()
    try:
        with contextlib.suppress(OSError):
            while moved := os.splice(source.fileno(), write_end, BLOCK):
                while moved:
                    moved -= os.splice(read_end, destination.fileno(), moved)
        with contextlib.suppress(OSError):
            destination.shutdown(socket.SHUT_WR)
    finally:
        os.close(read_end)
        os.close(write_end)


def serve_splice_relay(listener: socket.socket, upstream_port: int, stop: threading.Event) -> None:
    """The reference relay: one connection at a time, one splice thread per direction."""
    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            client, _ = listener.accept()
        except TimeoutError:
            continue
        client.settimeout(None)
        with client, socket.create_connection(("127.0.0.1", upstream_port)) as upstream:
            pumps = [
                threading.Thread(target=splice_pump, args=pair)
                for pair in ((client, upstream), (upstream, client))
            ]
            for pump in pumps:
                pump.start()
            for pump in pumps:
                pump.join()


async def start_splice_relay(upstream_port: int) -> tuple[asyncio.subprocess.Process, int]:
    """The reference relay in its own process (as the proxy is); returns it and its port."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.proxy", "--relay-to", str(upstream_port), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    async with asyncio.timeout(20):
        port = int(await process.stdout.readline())
    return process, port


def run_splice_relay(upstream_port: int) -> None:
    listener, port = sink_server()
    print(port, flush=True)
    serve_splice_relay(listener, upstream_port, threading.Event())


async def main(calls: int, rounds: int, mib: int) -> None:
    settings = ServerSettings()
    stop = threading.Event()
    listener, sink_port = sink_server()
    sink = threading.Thread(target=serve_sink, args=(listener, stop), daemon=True)
    sink.start()
    relay = await start_splice_relay(sink_port) if hasattr(os, "splice") else None
    try:
        async with (
            serve_http(build_server(), settings) as listening,
            proxy_process() as api_url,
            ToxiproxyClient(api_url) as toxiproxy,
        ):
            mcp_proxy = await toxiproxy.create_proxy("mcp", f"127.0.0.1:{listening.port}")
            bulk_proxy = await toxiproxy.create_proxy("bulk", f"127.0.0.1:{sink_port}")
            direct_url = f"{listening.base_url}{settings.path}"
            proxied_url = f"http://{mcp_proxy.listen}{settings.path}"
            latency: dict[str, list[float]] = {"direct": [], "proxy": []}
            nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]  # no Nagle/delayed-ACK stalls
            transport = httpx.AsyncHTTPTransport(socket_options=nodelay)
            async with httpx.AsyncClient(timeout=10, transport=transport) as http:
                await call_round(http, direct_url, 20)
                await call_round(http, proxied_url, 20)
                for _ in range(rounds):
                    latency["direct"] += await call_round(http, direct_url, calls // rounds)
                    latency["proxy"] += await call_round(http, proxied_url, calls // rounds)
            throughput: dict[str, list[float]] = {"direct": [], "splice": [], "proxy": []}
            total = mib * BLOCK
            for _ in range(rounds):
                throughput["direct"].append(await asyncio.to_thread(send_bulk, sink_port, total))
                if relay is not None:
                    throughput["splice"].append(await asyncio.to_thread(send_bulk, relay[1], total))
                throughput["proxy"].append(await asyncio.to_thread(send_bulk, bulk_proxy.listen_port, total))
    finally:
        stop.set()
        sink.join(timeout=2)
        listener.close()
        if relay is not None:
            relay[0].terminate()
            async with asyncio.timeout(10):
                await relay[0].wait()

    print(f"tools/call over Streamable HTTP, {len(latency['direct'])} calls per path, {rounds} rounds")
    for path, samples in latency.items():
        print(f"  {path:6}  p50 {percentile(samples, 0.5):6.2f} ms   p99 {percentile(samples, 0.99):6.2f} ms")
    p50_ratio = percentile(latency["proxy"], 0.5) / percentile(latency["direct"], 0.5)
    p99_ratio = percentile(latency["proxy"], 0.99) / percentile(latency["direct"], 0.99)
    print(f"  ratio   p50 {p50_ratio:.2f}x  p99 {p99_ratio:.2f}x  (goal p50 <= 1.1x)")
    print(f"bulk TCP upload, {mib} MiB per transfer, {rounds} rounds (median)")
    direct_mbps = statistics.median(throughput["direct"])
    proxy_mbps = statistics.median(throughput["proxy"])
    print(f"  direct  {direct_mbps:8.0f} MB/s")
    if throughput["splice"]:
        splice_mbps = statistics.median(throughput["splice"])
        print(
            f"  splice  {splice_mbps:8.0f} MB/s  (reference relay: {splice_mbps / direct_mbps:.2f}x direct)"
        )
    print(f"  proxy   {proxy_mbps:8.0f} MB/s")
    print(f"  ratio   {proxy_mbps / direct_mbps:.2f}x  (goal >= 0.8x)")
    if throughput["splice"]:
        print(f"  ratio   {proxy_mbps / splice_mbps:.2f}x of the reference relay")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--relay-to", type=int, help=argparse.SUPPRESS)  # internal: the reference relay
    args = parser.parse_args()
    if args.relay_to:
        run_splice_relay(args.relay_to)
    else:
        asyncio.run(main(args.calls, args.rounds, args.mib))
