"""Our servers answer prompts and resources errors as the spec asks, in both protocol versions:
an unknown prompt is -32602 (it was -32603 "Internal server error" with a traceback, and code 0),
an unknown resource is -32002 on 2025-11-25 and -32602 with data.uri on 2026-07-28."""

from __future__ import annotations

import logging

import anyio
import pytest

from harness.contract.outcomes import Verdict
from harness.contract.runner import run_contract
from harness.contract.session import PROTOCOL_VERSIONS
from harness.contract.target import Target
from servers.common.runner import serve_http
from servers.registry import server_spec

CHECKS = ["prompts", "resources"]


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["weather", "wallet"])
async def test_our_server_answers_prompt_and_resource_errors_as_the_spec_asks(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    spec = server_spec(name)
    settings = spec.load_settings(path="/mcp")
    with anyio.fail_after(60), caplog.at_level(logging.ERROR):
        async with spec.open(settings) as server, serve_http(server, settings) as listening:
            report = await run_contract(Target.http(f"{listening.base_url}/mcp"), only=CHECKS)
    wanted = ("prompts.unknown-name", "resources.not-found-code", "prompts.list", "resources.list")
    results = [report.result(check_id, version) for check_id in wanted for version in PROTOCOL_VERSIONS]
    assert not [(r.name, r.why) for r in results if r.verdict != Verdict.PASS]
    assert report.passed
    assert not [r for r in caplog.records if "Traceback" in r.getMessage() or r.exc_info]
