"""``AgentUser``: a Locust user that talks to the client's agent (``POST /v1/agent``) through the gateway.

Where :class:`~load.mcp_user.McpUser` is an agent calling tools itself, this user is a person asking
the deployment's own agent: one request per turn, each turn several model and tool calls behind it.
``--host`` is the gateway's base URL (``http://h:p``; a trailing ``/mcp`` is dropped). Credentials come
from :class:`load.settings.McpConnectionSettings` (``MCPH_LOAD_API_KEY``…), as for ``McpUser``.

Each turn fires one request event named ``agent`` and fails (never raises) when the answer is not 200,
not JSON, lacks an answer, or — with ``require_tools_ok`` — has a failed tool call in its trace.
Messages are taken in turn from ``messages`` (deterministic, one offset per user)::

    class Asker(AgentUser):
        messages = ["weather in Paris, then the forecast for Rome for 3 days"]
"""

from __future__ import annotations

import itertools
import json
from typing import Any, ClassVar

from locust import User, task
from locust.contrib.fasthttp import FastHttpSession

from load.agent_answers import judge_turn
from load.mcp_user import auth_headers, ssl_context_factory
from load.settings import McpConnectionSettings

AGENT_PATH = "/v1/agent"
user_numbers = itertools.count()


def agent_base_url(host: str) -> str:
    return host.rstrip("/").removesuffix("/mcp")


class AgentUser(User):
    """Asks the agent one message per task run; subclass it to change ``messages`` or add tasks."""

    abstract = True
    messages: ClassVar[list[str]] = [
        "weather in Berlin, then the forecast for Rome for 3 days",
        "weather in Madrid",
    ]
    require_tools_ok: ClassVar[bool] = True
    connection: ClassVar[McpConnectionSettings | None] = None
    network_timeout: float = 60.0
    connection_timeout: float = 10.0

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        settings = self.connection or McpConnectionSettings()
        if self.host is None:
            from locust.exception import StopTest

            raise StopTest("give the gateway with --host (e.g. http://127.0.0.1:8000)")
        self.http = FastHttpSession(
            base_url=agent_base_url(self.host),
            request_event=environment.events.request,
            user=self,
            insecure=settings.ca_file is None,
            ssl_context_factory=ssl_context_factory(settings),
            network_timeout=self.network_timeout,
            connection_timeout=self.connection_timeout,
            max_retries=0,
        )
        self.headers = {**auth_headers(settings), "Content-Type": "application/json"}
        offset = next(user_numbers)
        self._messages = itertools.islice(itertools.cycle(self.messages), offset % len(self.messages), None)

    def ask(self, message: str) -> str | None:
        """One agent turn; returns why it failed (reported to Locust as well) or None."""
        body = json.dumps({"message": message})
        with self.http.request(
            "POST", AGENT_PATH, data=body, headers=self.headers, name="agent", catch_response=True
        ) as response:
            problem = judge_turn(response.status_code, response.content or b"", self.require_tools_ok)
            if problem is None:
                response.success()
            else:
                response.failure(problem)
        return problem

    @task
    def ask_next(self) -> None:
        self.ask(next(self._messages))
