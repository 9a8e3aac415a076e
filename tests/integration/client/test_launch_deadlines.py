"""Launching a deployment warns when the gateway would give up before the client does."""

from __future__ import annotations

import logging

import anyio
import pytest

from harness.launch.inprocess import LaunchOptions, launch
from harness.topology import reference_topology

pytestmark = pytest.mark.anyio
LAUNCHER_LOGGER = "harness.launch.wiring"  # the one place that builds every runner's settings


def options(gateway_timeout_s: float, **upstream: object) -> LaunchOptions:
    return LaunchOptions(
        topology=reference_topology(proxied=False),
        redis="fake",
        client_overrides={"default_timeout_s": 5.0},
        upstream_overrides={"knowledge": dict(upstream)},
        gateway_overrides={"upstream_timeout_s": gateway_timeout_s},
    )


def deadline_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == LAUNCHER_LOGGER and r.levelno == logging.WARNING and "504" in r.getMessage()
    ]


async def test_gateway_deadline_shorter_than_a_tool_deadline_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=LAUNCHER_LOGGER)
    with anyio.fail_after(60):
        async with launch(options(8.0, tool_timeouts_s={"ingest": 45.0})) as deployment:
            assert deployment.endpoints.gateway is not None
    (warning,) = deadline_warnings(caplog)
    assert "(8 s)" in warning and "(45 s)" in warning
    assert "the gateway may answer 504 while a call still completes upstream" in warning


async def test_gateway_that_outwaits_the_client_starts_quietly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=LAUNCHER_LOGGER)
    with anyio.fail_after(60):
        # 40 s outwaits every deadline, the agent's turn (30 s by default) included
        async with launch(options(40.0, call_timeout_s=6.0)) as deployment:
            assert deployment.endpoints.gateway is not None
    assert deadline_warnings(caplog) == []
