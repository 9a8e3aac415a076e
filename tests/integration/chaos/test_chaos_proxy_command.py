"""`mcp-harness proxy` runs standalone: loads a config, serves the API, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import anyio
import httpx
import pytest
from typer.testing import CliRunner

from harness.cli import build_app
from harness.fixtures.chaos import EchoServer

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read config"),
        ("{", "invalid config"),
        ('{"name": "x"}', "invalid config"),
        ('[{"name": "x"}]', "missing required field: upstream at proxy 1"),
        ('[{"name": "x", "upstream": "h:1", "listen": "nowhere"}]', "missing port in address"),
    ],
)
def test_bad_config_is_a_message_and_exit_2(tmp_path: Path, content: str | None, message: str) -> None:
    config = tmp_path / "proxies.json"
    if content is not None:
        config.write_text(content)
    result = CliRunner().invoke(build_app(), ["proxy", "--port", "0", "--config", str(config)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


async def test_standalone_proxy_serves_config_and_stops_on_sigterm(
    tmp_path: Path, echo_server: EchoServer
) -> None:
    config = tmp_path / "proxies.json"
    config.write_text(
        json.dumps([{"name": "echo", "upstream": echo_server.address, "listen": "127.0.0.1:0"}])
    )
    command = [
        sys.executable,
        "-m",
        "harness.cli",
        "proxy",
        "--port",
        "0",
        "--seed",
        "7",
        "--config",
        str(config),
    ]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    try:
        with anyio.fail_after(20):
            first_line = (await process.stdout.readline()).decode()
        url = first_line.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:"), first_line
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            assert (await http.get("/version")).status_code == 200
            proxies = (await http.get("/proxies")).json()
        assert proxies["echo"]["upstream"] == echo_server.address
    finally:
        process.send_signal(signal.SIGTERM)
        with anyio.fail_after(15):
            code = await process.wait()
    assert code == 0
