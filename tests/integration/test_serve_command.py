"""`mcp-harness serve` as a user runs it: a server on HTTP answers MCP; bad input exits 2 with a reason."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from harness.mcp_wire import modern_request

SERVE = [sys.executable, "-m", "harness.cli", "serve"]


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        SERVE + args, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def test_unknown_server_and_transport_exit_2() -> None:
    unknown = run(["nope"])
    assert unknown.returncode == 2
    assert "unknown server 'nope'; choose one of weather, wallet, knowledge" in unknown.stderr
    transport = run(["weather", "--transport", "carrier-pigeon"])
    assert transport.returncode == 2
    assert "unknown transport" in transport.stderr


def test_setup_failure_exits_2_without_traceback() -> None:
    result = run(
        ["knowledge", "--transport", "http"],
        env={
            "MCPH_KNOWLEDGE_VECTOR_BACKEND": "pgvector",
            "MCPH_KNOWLEDGE_PGVECTOR_URL": "postgresql://user:secret@127.0.0.1:1/db",
        },
    )
    assert result.returncode == 2
    # "unreachable" with the pgvector extra installed, "needs the psycopg driver" without it
    assert "cannot serve knowledge" in result.stderr
    assert "unreachable" in result.stderr or "psycopg" in result.stderr
    assert "secret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_settings_exit_2() -> None:
    result = run(["wallet"], env={"MCPH_WALLET_PORT": "not-a-port"})
    assert result.returncode == 2
    assert "invalid settings for wallet" in result.stderr


@pytest.mark.parametrize("name", ["weather", "wallet"])
def test_http_server_answers_tools_list(name: str) -> None:
    process = subprocess.Popen(
        [*SERVE, name, "--transport", "http", "--port", "0"], stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < deadline and "serving MCP at" not in line:
            line = process.stderr.readline()
        match = re.search(r"serving MCP at (\S+)", line)
        assert match, f"no address announced: {line!r}"
        body, headers = modern_request("tools/list")
        response = httpx.post(match.group(1), json=body, headers=headers, timeout=10)
        assert response.status_code == 200
        names = {tool["name"] for tool in response.json()["result"]["tools"]}
        assert "health" in names
    finally:
        process.terminate()
        process.wait(timeout=10)
