"""`mcp-harness up` as a user runs it: endpoints file, tools via the gateway with the dev key, clean Ctrl-C."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from harness.mcp_wire import modern_request


def wait_for_file(path: Path, process: subprocess.Popen[bytes], timeout_s: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"up exited early with {process.returncode}: {process.stderr.read()!r}")  # type: ignore[union-attr]
        if path.exists() and path.stat().st_size:
            return json.loads(path.read_text())
        time.sleep(0.1)
    raise AssertionError(f"no endpoints file within {timeout_s} s")


def rpc(url: str, key: str, method: str, params: dict[str, object]) -> httpx.Response:
    body, headers = modern_request(method, params)
    headers["Authorization"] = f"Bearer {key}"
    return httpx.post(url, json=body, headers=headers, timeout=20)


@pytest.mark.slow
def test_up_serves_the_deployment_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    endpoints_file = tmp_path / "endpoints.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "up", "--endpoints", str(endpoints_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        endpoints = wait_for_file(endpoints_file, process, timeout_s=60)
        assert set(endpoints) >= {
            "gateway",
            "client",
            "servers",
            "weather_api",
            "proxy_api",
            "api_key",
            "tls",
        }
        assert set(endpoints["servers"]) == {"weather", "wallet", "knowledge"}  # type: ignore[arg-type]
        gateway, key = str(endpoints["gateway"]), str(endpoints["api_key"])

        listed = rpc(gateway, key, "tools/list", {})
        assert listed.status_code == 200, listed.text
        names = {tool["name"] for tool in listed.json()["result"]["tools"]}
        assert {"weather__get_weather", "wallet__transfer", "knowledge__search"} <= names

        called = rpc(
            gateway, key, "tools/call", {"name": "weather__get_weather", "arguments": {"city": "Paris"}}
        )
        result = called.json()["result"]
        assert result["isError"] is False, result
        assert result["structuredContent"]["place"]["name"] == "Paris"

        assert rpc(gateway, "wrong-key", "tools/list", {}).status_code == 401
        client = str(endpoints["client"])  # internal: mTLS, only the gateway holds a certificate for it
        assert client.startswith("https://") and endpoints.get("client_tls"), endpoints
        with pytest.raises(httpx.HTTPError):
            rpc("http://" + client.removeprefix("https://"), key, "tools/list", {})
        with pytest.raises(httpx.HTTPError):
            body, headers = modern_request("tools/list", {})
            trust = ssl.create_default_context(cafile=endpoints["client_tls"]["ca"])  # type: ignore[index]
            httpx.post(client, json=body, headers=headers, verify=trust, timeout=5)
        version = httpx.get(f"{endpoints['proxy_api']}/version", timeout=5)
        assert version.status_code == 200
        proxies = httpx.get(f"{endpoints['proxy_api']}/proxies", timeout=5).json()
        assert {"gateway-client", "client-weather", "weather-api", "wallet-redis"} <= set(proxies)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, process.stderr.read()  # type: ignore[union-attr]
    assert b"stopped" in process.stdout.read()  # type: ignore[union-attr]


def test_up_rejects_bad_options(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "up", "--redis", "bogus"], capture_output=True, timeout=60
    )
    assert result.returncode == 2
    assert b"--redis must be auto, real or fake" in result.stderr
    missing = tmp_path / "nope" / "endpoints.json"
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "up", "--endpoints", str(missing)],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert b"does not exist" in result.stderr
