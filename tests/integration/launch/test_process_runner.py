"""The process runner for real: one OS process per service, pod faults over HTTP, nothing left behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx
import psutil
import pytest

from harness.launch.inprocess import LaunchOptions
from harness.launch.process import ProcessDeployment, ProcessOptions, launch_processes
from harness.launch.supervisor import PodState
from harness.mcp_wire import modern_request
from harness.topology import reference_topology

SERVICES = {"proxy", "weather-api", "weather", "redis", "wallet", "knowledge", "client", "gateway"}
WEATHER = ("weather__get_weather", {"city": "Paris"})


async def until(check: object, within_s: float) -> None:
    with anyio.fail_after(within_s):
        while not await check():  # type: ignore[operator]  # noqa: ASYNC110 - polling a process state
            await anyio.sleep(0.05)


async def call_ok(http: httpx.AsyncClient, gateway: str, key: str) -> bool:
    body, headers = modern_request("tools/call", {"name": WEATHER[0], "arguments": WEATHER[1]})
    headers["Authorization"] = f"Bearer {key}"
    try:
        response = await http.post(gateway, json=body, headers=headers)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and response.json().get("result", {}).get("isError") is False


@pytest.mark.anyio
async def test_each_service_is_a_process_that_pod_faults_reach(tmp_path: Path) -> None:
    options = LaunchOptions(topology=reference_topology(proxied=True, redis_socket=True))
    async with launch_processes(options, ProcessOptions(run_dir=tmp_path)) as deployment:
        assert isinstance(deployment, ProcessDeployment) and deployment.supervisor is not None
        rows = {row.name: row for row in deployment.pod_rows()}
        assert set(rows) == SERVICES
        pids = {name: row.pid for name, row in rows.items()}
        assert len(set(pids.values())) == len(SERVICES)  # one OS process each
        me = psutil.Process()
        assert {p.pid for p in me.children()} >= set(pids.values())  # visible in ps, children of ours
        assert "redis-server" in " ".join(psutil.Process(pids["redis"]).cmdline())
        assert "harness.launch.service" in " ".join(psutil.Process(pids["wallet"]).cmdline())
        assert all([await anyio.Path(row.log).exists() for row in rows.values()])

        endpoints = deployment.endpoints
        assert endpoints.gateway and endpoints.api_key
        gateway, key = endpoints.gateway, endpoints.api_key
        fault_api = str(getattr(endpoints, "fault_api", ""))
        async with (
            httpx.AsyncClient(timeout=15) as http,
            httpx.AsyncClient(base_url=fault_api, timeout=10) as api,
        ):
            assert await call_ok(http, gateway, key)

            listed = (await api.get("/pods")).json()["pods"]
            assert {p["name"] for p in listed} == SERVICES

            killed = await api.post("/pods/weather/faults/kill")
            assert killed.status_code == 200, killed.text
            weather = deployment.supervisor.pod("weather")

            async def weather_back() -> bool:
                return (
                    weather.restarts == 1
                    and weather.state is PodState.READY
                    and weather.pid != pids["weather"]
                )

            await until(weather_back, within_s=20)
            assert (
                not psutil.pid_exists(pids["weather"]) or psutil.Process(pids["weather"]).status() == "zombie"
            )

            async def weather_answers() -> bool:
                return await call_ok(http, gateway, key)

            await until(weather_answers, within_s=20)  # the client reconnects to the restarted pod

            frozen = await api.post("/pods/knowledge/faults/freeze")
            assert frozen.status_code == 200
            knowledge_pid = deployment.supervisor.pod("knowledge").pid
            assert knowledge_pid is not None

            async def knowledge_is(stopped: bool) -> bool:  # signals are delivered asynchronously
                return (psutil.Process(knowledge_pid).status() == psutil.STATUS_STOPPED) == stopped

            await until(lambda: knowledge_is(True), within_s=5)
            assert (await api.post("/pods/knowledge/faults/thaw")).status_code == 200
            await until(lambda: knowledge_is(False), within_s=5)

            missing = await api.post("/pods/nope/faults/kill")
            assert missing.status_code == 404 and "no pod named 'nope'" in missing.json()["error"]
            bogus = await api.post("/pods/wallet/faults/explode")
            assert bogus.status_code == 400 and "unknown fault" in bogus.json()["error"]
            bad_body = await api.post("/pods/wallet/faults/cpu-hog", content=b'{"duration_s": -1}')
            assert bad_body.status_code == 400
    assert not [pid for pid in psutil.Process().children(recursive=True) if pid.pid in pids.values()]
    for pid in pids.values():
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def start_up(tmp_path: Path) -> tuple[subprocess.Popen[bytes], dict[str, object]]:
    endpoints_file = tmp_path / "endpoints.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "up",
            "--runner",
            "process",
            "--endpoints",
            str(endpoints_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"up exited with {process.returncode}: {process.stderr.read()!r}")  # type: ignore[union-attr]
        if endpoints_file.exists() and endpoints_file.stat().st_size:
            return process, json.loads(endpoints_file.read_text())
        time.sleep(0.1)
    process.kill()
    raise AssertionError("up wrote no endpoints file within 60 s")


def descendants(process: subprocess.Popen[bytes]) -> list[psutil.Process]:
    return psutil.Process(process.pid).children(recursive=True)


def fault_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", "fault", *args], capture_output=True, timeout=60
    )


@pytest.mark.slow
def test_up_sigterm_leaves_no_process_and_the_fault_command_works(tmp_path: Path) -> None:
    process, endpoints = start_up(tmp_path)
    try:
        children = descendants(process)
        assert len(children) >= len(SERVICES), [c.cmdline()[:3] for c in children]
        out = process.stdout.read1(65536).decode()  # type: ignore[union-attr]
        assert "pid" in out and ".log" in out  # the table of service processes

        listed = fault_cli("list", "--endpoints", str(tmp_path / "endpoints.json"))
        assert listed.returncode == 0 and b"wallet" in listed.stdout, listed.stderr
        killed = fault_cli("kill", "wallet", "--api", str(endpoints["fault_api"]))
        assert killed.returncode == 0 and b"SIGKILL" in killed.stdout, killed.stderr
        unknown = fault_cli("kill", "nope", "--api", str(endpoints["fault_api"]))
        assert unknown.returncode == 2 and b"no pod named 'nope'" in unknown.stderr
        nowhere = fault_cli("kill", "wallet")
        assert nowhere.returncode == 2 and b"--api URL" in nowhere.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, process.stderr.read()  # type: ignore[union-attr]
    _gone, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, [p.pid for p in alive]


@pytest.mark.slow
def test_up_killed_by_sigkill_takes_its_service_processes_along(tmp_path: Path) -> None:
    process, _ = start_up(tmp_path)
    children = descendants(process)
    assert len(children) >= len(SERVICES)
    process.kill()  # the launcher runs no clean-up: PR_SET_PDEATHSIG must do it
    process.wait(timeout=10)
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [(p.pid, p.cmdline()[:3]) for p in alive]
