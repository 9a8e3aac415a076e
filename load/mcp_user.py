"""``McpUser``: an abstract Locust user whose ``client`` speaks MCP Streamable HTTP itself.

Locust runs on gevent and the SDK on anyio, so the load user cannot host an SDK client; it posts
JSON-RPC with Locust's fast HTTP client (geventhttpclient) instead. Both protocol versions:
2026-07-28 (one self-describing request per call) and 2025-11-25 (``initialize``, the session header on
every request, ``DELETE`` when the user stops). Answers may be JSON or an event stream. Credentials: an
API key (``X-API-Key``), a bearer token, and/or a client certificate (mTLS).

Every call fires exactly one Locust request event (``tools/call <tool>``, ``tools/list``, ``initialize``);
JSON-RPC errors, transport errors and ``isError`` results (unless ``tool_errors_fail`` is off) are
failures carrying their message. Calls never raise, as Locust users expect: check ``answer.ok``::

    class Agent(McpUser):
        @task
        def weather(self) -> None:
            self.client.call_tool("weather__get_weather", {"city": "Berlin"})

Connection details default to :class:`load.settings.McpConnectionSettings` (``MCPH_LOAD_*``);
class attributes override them.
"""

from __future__ import annotations

import itertools
import ssl
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlsplit

import gevent.ssl
from locust import User
from locust.contrib.fasthttp import FastHttpSession

from load.settings import McpConnectionSettings
from load.wire import (
    LEGACY_VERSION,
    SESSION_HEADER,
    McpAnswer,
    McpFailure,
    ProtocolVersion,
    TransportFailure,
    frame,
    initialize_params,
    read_answer,
)

Validator = Callable[[McpAnswer], str | None]


def endpoint_url(host: str, default_path: str) -> str:
    """``--host http://h:p`` means ``http://h:p/mcp``; a host that names a path is used as it is."""
    return host if urlsplit(host).path not in ("", "/") else host.rstrip("/") + default_path


def ssl_context_factory(settings: McpConnectionSettings) -> Callable[..., ssl.SSLContext] | None:
    """A context trusting ``ca_file`` and presenting ``cert_file``/``key_file``; None: Locust's default."""
    if not (settings.ca_file or settings.cert_file):
        return None

    def factory(**_: Any) -> ssl.SSLContext:
        context = gevent.ssl.create_default_context(cafile=settings.ca_file)
        if settings.cert_file:
            context.load_cert_chain(settings.cert_file, settings.key_file)
        return context

    return factory


def auth_headers(settings: McpConnectionSettings) -> dict[str, str]:
    headers: dict[str, str] = {}
    if settings.api_key:
        headers["X-API-Key"] = settings.api_key.get_secret_value()
    if settings.bearer_token:
        headers["Authorization"] = f"Bearer {settings.bearer_token.get_secret_value()}"
    return headers


class McpClient:
    """MCP calls over one :class:`FastHttpSession`; each call is one Locust request event."""

    def __init__(
        self,
        http: FastHttpSession,
        *,
        protocol_version: ProtocolVersion,
        headers: dict[str, str] | None = None,
        tool_errors_fail: bool = True,
    ) -> None:
        self.http = http
        self.protocol_version = protocol_version
        self.headers = dict(headers or {})
        self.tool_errors_fail = tool_errors_fail
        self.session_id: str | None = None
        self._initialized = False
        self._ids = itertools.count(1)

    @property
    def legacy(self) -> bool:
        return self.protocol_version == LEGACY_VERSION

    def call_tool(
        self, name: str, arguments: dict[str, Any] | None = None, *, validate: Validator | None = None
    ) -> McpAnswer:
        """``tools/call``; ``validate(answer)`` may return a message that turns a success into a failure."""
        params = {"name": name, "arguments": arguments or {}}
        return self.request("tools/call", params, event_name=f"tools/call {name}", validate=validate)

    def list_tools(self) -> McpAnswer:
        """``tools/list``, following ``nextCursor``; the answer's ``tools`` are every page's tools."""
        tools: list[dict[str, Any]] = []
        params: dict[str, Any] = {}
        while True:
            answer = self.request("tools/list", dict(params))
            if not answer.ok or answer.result is None:
                return answer
            tools += answer.tools
            cursor = answer.result.get("nextCursor")
            if not cursor:
                return McpAnswer("tools/list", result={**answer.result, "tools": tools})
            params = {"cursor": cursor}

    def request(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        event_name: str | None = None,
        validate: Validator | None = None,
    ) -> McpAnswer:
        if self.legacy and not self._initialized:
            opened = self.open()
            if not opened.ok:
                return McpAnswer(method, failure=opened.failure)
        return self._post(method, params, event_name or method, validate)

    def open(self) -> McpAnswer:
        """2025-11-25 only: ``initialize`` then ``notifications/initialized``; keeps the session id."""
        answer = self._post("initialize", initialize_params(), "initialize", None)
        if answer.ok:
            body, headers = frame(LEGACY_VERSION, "notifications/initialized", None, None, self.session_id)
            self.http.request("POST", "", data=body, headers={**self.headers, **headers}, name="initialized")
            self._initialized = True
        return answer

    def close(self) -> None:
        """End a 2025-11-25 session with ``DELETE`` (a server that refuses it is not a failure)."""
        if self.session_id is None:
            return
        headers = {**self.headers, SESSION_HEADER: self.session_id, "MCP-Protocol-Version": LEGACY_VERSION}
        self.session_id, self._initialized = None, False
        with self.http.request(
            "DELETE", "", headers=headers, name="session DELETE", catch_response=True
        ) as r:
            if r.status_code in (200, 202, 204, 404, 405):
                r.success()
            else:
                r.failure(TransportFailure(f"HTTP {r.status_code} to DELETE of the session"))

    def _post(
        self, method: str, params: dict[str, Any] | None, name: str, validate: Validator | None
    ) -> McpAnswer:
        request_id = next(self._ids)
        body, headers = frame(self.protocol_version, method, params, request_id, self.session_id)
        with self.http.request(
            "POST", "", name=name, data=body, headers={**self.headers, **headers}, catch_response=True
        ) as response:
            answer = self._read(method, request_id, response)
            if answer.ok and validate is not None:
                problem = validate(answer)
                if problem:
                    answer.failure = McpFailure(problem)
            if answer.failure is None:
                response.success()
            else:
                response.failure(answer.failure)
        return answer

    def _read(self, method: str, request_id: int, response: Any) -> McpAnswer:
        status = response.status_code
        if status == 0:
            error = getattr(response, "error", None)
            return McpAnswer(method, failure=TransportFailure(f"{type(error).__name__}: {error}"))
        headers = response.headers
        if self.legacy and status == 404 and self.session_id is not None:
            self.session_id, self._initialized = None, False  # the next call starts a new session
            return McpAnswer(method, failure=TransportFailure("HTTP 404: the session expired"))
        if method == "initialize":
            self.session_id = headers.get(SESSION_HEADER) if headers is not None else None
        content_type = (headers.get("content-type") if headers is not None else None) or ""
        return read_answer(
            method, status, content_type, response.content or b"", request_id, self.tool_errors_fail
        )


class McpUser(User):
    """Abstract: subclass it, add tasks that use ``self.client``; ``--host`` is the MCP endpoint."""

    abstract = True
    #: connection settings; None reads ``MCPH_LOAD_*`` from the environment when a user starts
    connection: ClassVar[McpConnectionSettings | None] = None
    network_timeout: float = 30.0
    connection_timeout: float = 10.0

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        settings = self.connection or McpConnectionSettings()
        if self.host is None:
            from locust.exception import StopTest

            raise StopTest("give the MCP endpoint with --host (e.g. http://127.0.0.1:8000/mcp)")
        http = FastHttpSession(
            base_url=endpoint_url(self.host, settings.path),
            request_event=environment.events.request,
            user=self,
            insecure=settings.ca_file is None,
            ssl_context_factory=ssl_context_factory(settings),
            network_timeout=self.network_timeout,
            connection_timeout=self.connection_timeout,
            max_retries=0,
        )
        self.client: McpClient = McpClient(
            http,
            protocol_version=settings.protocol_version,
            headers=auth_headers(settings),
            tool_errors_fail=settings.tool_errors_fail,
        )

    def on_stop(self) -> None:
        """Ends a 2025-11-25 session; a subclass that overrides ``on_stop`` calls ``super().on_stop()``."""
        self.client.close()
