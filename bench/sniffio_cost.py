"""CPU of one httpx POST with ``sniffio`` importable and without (each in a fresh interpreter, same run).

httpcore retries ``import sniffio`` on every lock acquire when the import fails (anyio 4.16 no longer
installs it); the failed import is a full search of the import path each time. The caller's own thread
CPU is measured (``RUSAGE_THREAD``) against a minimal asyncio HTTP server on another thread.
Run: ``.venv/bin/python -m bench.sniffio_cost [--posts N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import httpx

from bench.hop_cpu import HIDE_SNIFFIO


async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
            await reader.readexactly(int(lines[0].split(b":")[1]))
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


def serve_in_thread() -> int:
    ports: list[int] = []
    ready = threading.Event()

    async def run() -> None:
        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        ports.append(server.sockets[0].getsockname()[1])
        ready.set()
        await asyncio.Event().wait()

    threading.Thread(target=asyncio.run, args=(run(),), daemon=True).start()
    ready.wait(10)
    return ports[0]


def thread_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


async def measure(posts: int) -> float:
    url = f"http://127.0.0.1:{serve_in_thread()}/mcp"
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            await http.post(url, content=b'{"a":1}')
        started = thread_cpu_s()
        for _ in range(posts):
            await http.post(url, content=b'{"a":1}')
        return (thread_cpu_s() - started) / posts * 1000


def main(posts: int) -> None:
    with tempfile.TemporaryDirectory() as site:
        Path(site, "sitecustomize.py").write_text(HIDE_SNIFFIO)
        for hidden in ("1", "0", "1", "0"):
            env = {**os.environ, "PYTHONPATH": site, "MCPH_BENCH_HIDE_SNIFFIO": hidden}
            argv = [sys.executable, "-m", "bench.sniffio_cost", "--child", "--posts", str(posts)]
            out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True, timeout=300)
            label = "sniffio missing" if hidden == "1" else "sniffio present"
            print(f"{label}: httpx caller CPU {float(out.stdout):.3f} ms per POST")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(asyncio.run(measure(args.posts)))
    else:
        main(args.posts)
