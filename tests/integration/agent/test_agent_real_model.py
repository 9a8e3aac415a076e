"""The same agent against a real OpenAI-compatible endpoint, when one is configured.

Set ``MCPH_TEST_OPENAI_URL`` (base URL, e.g. https://api.openai.com/v1), ``MCPH_TEST_OPENAI_KEY`` and
optionally ``MCPH_TEST_OPENAI_MODEL`` (default gpt-4o-mini); otherwise this test is skipped.
"""

from __future__ import annotations

import os

import anyio
import httpx
import pytest

from harness.launch.inprocess import LaunchOptions, launch
from harness.topology import reference_topology

pytestmark = pytest.mark.anyio
URL = os.environ.get("MCPH_TEST_OPENAI_URL")
KEY = os.environ.get("MCPH_TEST_OPENAI_KEY")


@pytest.mark.skipif(not (URL and KEY), reason="MCPH_TEST_OPENAI_URL and MCPH_TEST_OPENAI_KEY are not set")
async def test_a_real_model_calls_the_weather_tool_through_the_gateway() -> None:
    agent = {
        "model_url": URL,
        "api_key": KEY,
        "model": os.environ.get("MCPH_TEST_OPENAI_MODEL", "gpt-4o-mini"),
        "turn_deadline_s": 60,
        "model_timeout_s": 30,
    }
    options = LaunchOptions(
        topology=reference_topology(proxied=False), mtls=False, client_overrides={"agent": agent}
    )
    with anyio.fail_after(120):
        async with launch(options) as deployment:
            assert deployment.endpoints.llm is None, "a configured model must replace the simulation"
            assert deployment.endpoints.gateway and deployment.endpoints.api_key
            base = deployment.endpoints.gateway.removesuffix("/mcp")
            headers = {"X-API-Key": deployment.endpoints.api_key}
            async with httpx.AsyncClient(base_url=base, headers=headers, timeout=90) as http:
                answer = await http.post(
                    "/v1/agent", json={"message": "Use the weather tool: what is the weather in Paris now?"}
                )
    body = answer.json()
    assert answer.status_code == 200, body
    assert body["stop_reason"] == "answer" and body["answer"]
    assert any(t["tool"] == "weather__get_weather" and t["ok"] for t in body["trace"]), body["trace"]
