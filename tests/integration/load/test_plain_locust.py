"""The reference locustfile works as any locustfile does: `locust -f load/locustfile.py --host URL` has its UI."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from harness.fakes.redis_server import free_port

LOCUSTFILE = Path(__file__).resolve().parents[3] / "load" / "locustfile.py"


def test_the_web_ui_comes_up_and_lists_the_reference_agent() -> None:
    port = free_port()
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--host", "http://127.0.0.1:9/mcp",
        "--web-host", "127.0.0.1", "--web-port", str(port),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        page = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)  # polling a port that is not open yet; bounded by the deadline
        assert page is not None, process.stderr.read().decode() if process.stderr else "no UI"
        assert page.status_code == 200 and "locust" in page.text.lower()
        swarm = httpx.get(f"http://127.0.0.1:{port}/stats/requests", timeout=5)
        assert swarm.status_code == 200 and swarm.json()["state"] == "ready"
    finally:
        process.terminate()
        process.wait(timeout=10)
