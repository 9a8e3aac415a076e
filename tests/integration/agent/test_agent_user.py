"""``AgentUser`` in a short, bounded Locust run against a launched deployment's gateway."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import pytest

from harness.launch.inprocess import LaunchOptions, launch
from harness.topology import reference_topology
from load.agent_answers import judge_turn

pytestmark = pytest.mark.anyio
LOCUSTFILE = Path(__file__).with_name("agent_locustfile.py")


async def test_agent_users_get_good_answers_in_a_bounded_run() -> None:
    options = LaunchOptions(topology=reference_topology(proxied=False), mtls=False)
    with anyio.fail_after(90):
        async with launch(options) as deployment:
            assert deployment.endpoints.gateway and deployment.endpoints.api_key
            command = [
                sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--users", "2",
                "--spawn-rate", "2", "--run-time", "3s", "--stop-timeout", "10", "--json", "--only-summary",
                "--host", deployment.endpoints.gateway,
            ]  # fmt: skip
            env = {**os.environ, "MCPH_LOAD_API_KEY": deployment.endpoints.api_key}
            done = await anyio.run_process(command, env=env, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    stats = {entry["name"]: entry for entry in json.loads(done.stdout)}
    agent = stats["agent"]
    assert agent["num_requests"] >= 2, agent
    assert agent["num_failures"] == 0, done.stderr.decode()[-2000:]


def test_a_turn_is_judged_by_status_answer_and_trace() -> None:
    good = json.dumps(
        {"answer": "ok", "trace": [{"tool": "t", "ok": True}], "stop_reason": "answer"}
    ).encode()
    assert judge_turn(200, good, True) is None
    failed_tool = json.dumps({"answer": "x", "trace": [{"tool": "t", "ok": False}], "stop_reason": "answer"})
    assert judge_turn(200, failed_tool.encode(), True) == "tool calls failed: t"
    assert judge_turn(200, failed_tool.encode(), False) is None
    assert (
        judge_turn(502, b'{"error": "model_unavailable"}', True) == 'HTTP 502: {"error": "model_unavailable"}'
    )
    assert judge_turn(200, b"<html>", True) == "the answer is not JSON"
    stopped = json.dumps({"answer": "x", "trace": [], "stop_reason": "step_limit"}).encode()
    assert judge_turn(200, stopped, True) == "the turn stopped early: step_limit"
