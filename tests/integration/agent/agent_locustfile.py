"""A tiny agent workload for the bounded Locust run in test_agent_user.py."""

from __future__ import annotations

from typing import ClassVar

from locust import constant

from load.agent_user import AgentUser


class Asker(AgentUser):
    wait_time = constant(0.05)
    messages: ClassVar[list[str]] = [
        "weather in Paris",
        "weather in Berlin, then the forecast for Rome for 3 days",
    ]
