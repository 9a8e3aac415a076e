"""Locust users for ``bench.load``: the same echo call through ``McpUser`` and as raw bytes.

``PlainPoster`` is Locust's own FastHttpUser posting bytes framed once, up front: the ceiling any
Locust user can reach on this machine. ``EchoAgent`` makes the same call through ``McpUser``'s client
(framing, answer parsing, failure checks per call). Both record exact per-request samples.
"""

from __future__ import annotations

import os
from typing import Any

from locust import FastHttpUser, constant, events, task

from harness.mcp_wire import tool_call
from load.mcp_user import McpUser
from load.samples import SampleRecorder

ARGUMENTS = {"text": "hello"}
BODY, HEADERS = tool_call("echo", ARGUMENTS)
recorder = SampleRecorder()


class EchoAgent(McpUser):
    wait_time = constant(0)

    @task
    def echo(self) -> None:
        self.client.call_tool("echo", ARGUMENTS)


class PlainPoster(FastHttpUser):
    wait_time = constant(0)

    @task
    def echo(self) -> None:
        self.client.post("", json=BODY, headers=HEADERS, name="tools/call echo")


@events.init.add_listener
def record(environment: Any, **_: Any) -> None:
    environment.events.request.add_listener(recorder.on_request)


@events.test_stop.add_listener
def write(**_: Any) -> None:
    recorder.write(os.environ["MCPH_LOAD_RECORD_DIR"])
