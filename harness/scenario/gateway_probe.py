"""A small MCP caller that goes through the public gateway, as an agent would, and times every call.

Scenario ``call`` steps use it (and named steps and probes built on it).

Raw JSON-RPC over Streamable HTTP in the stateless 2026-07-28 shape (no session, no ``initialize``),
with the deployment's API key. Each call returns a :class:`CallOutcome` — HTTP status, ``isError``,
the text of the result or error, the structured content and the latency — and never raises for a
failed call: a timeout or a refused connection is an outcome too, because experiments measure them.
The SDK client is not used here because it hides the HTTP status and reconnects behind our back.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from harness.mcp_wire import tool_call


@dataclass(frozen=True)
class CallOutcome:
    """What one ``tools/call`` through the gateway gave back."""

    tool: str
    latency_s: float
    http_status: int | None = None  # None: no HTTP answer at all (see ``transport_error``)
    is_error: bool = False
    text: str = ""
    structured: dict[str, Any] | None = None
    rpc_error: dict[str, Any] | None = None
    transport_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.http_status == 200 and not self.is_error and self.rpc_error is None

    def describe(self) -> str:
        """One line saying what happened (for reasons and reports)."""
        if self.transport_error is not None:
            return f"{self.tool}: no answer ({self.transport_error}) after {self.latency_s:.3f} s"
        if self.rpc_error is not None:
            return f"{self.tool}: HTTP {self.http_status}, JSON-RPC error {self.rpc_error}"
        state = "isError" if self.is_error else "ok"
        return f"{self.tool}: HTTP {self.http_status}, {state}, {self.latency_s:.3f} s: {self.text[:160]}"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of a non-empty sample."""
    if not values:
        raise ValueError("percentile of an empty sample")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def result_text(result: dict[str, Any]) -> str:
    parts = [c.get("text", "") for c in result.get("content") or [] if isinstance(c, dict)]
    return "\n".join(p for p in parts if isinstance(p, str))


class GatewayProbe:
    """``async with GatewayProbe(url, api_key) as probe: outcome = await probe.call("wallet__audit")``."""

    def __init__(
        self,
        gateway_mcp_url: str,
        api_key: str,
        *,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """``transport``: where connections start (the netns runner's gateway is reached from outside)."""
        if not gateway_mcp_url.endswith("/mcp"):
            raise ValueError(f"expected the gateway's MCP URL (…/mcp), got {gateway_mcp_url!r}")
        self.url = gateway_mcp_url
        self.base_url = gateway_mcp_url.removesuffix("/mcp")
        self.timeout_s = timeout_s
        self._ids = itertools.count(1)
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout_s,
            limits=limits,
            transport=transport,
        )

    async def __aenter__(self) -> GatewayProbe:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self,
        tool: str,
        arguments: dict[str, Any] | None = None,
        *,
        timeout_s: float | None = None,
        authorization: str | None = None,
    ) -> CallOutcome:
        """``tools/call`` ``tool``; ``timeout_s`` bounds this call (default: the probe's timeout).

        ``authorization`` replaces the API key's header for this call (``""`` sends none).
        """
        body, headers = tool_call(tool, arguments, next(self._ids))
        started = time.perf_counter()
        try:
            request = self._http.build_request(
                "POST", self.url, json=body, headers=headers, timeout=timeout_s or self.timeout_s
            )
            if authorization is not None:
                del request.headers["Authorization"]
                if authorization:
                    request.headers["Authorization"] = authorization
            response = await self._http.send(request)
        except httpx.HTTPError as exc:
            detail = f"{type(exc).__name__}: {exc}".rstrip(": ")
            return CallOutcome(tool, time.perf_counter() - started, transport_error=detail)
        latency = time.perf_counter() - started
        return parse_answer(tool, response, latency)

    async def get(self, path: str) -> httpx.Response:
        """A plain GET through the gateway (e.g. the client's ``/metrics``); raises on transport errors."""
        return await self._http.get(self.base_url + path)


def parse_answer(tool: str, response: httpx.Response, latency_s: float) -> CallOutcome:
    status = response.status_code
    try:
        payload = response.json()
    except ValueError:
        return CallOutcome(tool, latency_s, status, is_error=True, text=response.text[:500])
    if not isinstance(payload, dict):
        return CallOutcome(tool, latency_s, status, is_error=True, text=json.dumps(payload)[:500])
    if "error" in payload and "result" not in payload:
        error = payload["error"]
        if isinstance(error, dict) and "code" in error:  # a JSON-RPC error
            return CallOutcome(tool, latency_s, status, rpc_error=error, text=str(error.get("message")))
        # the gateway's own problem body: {"error": code, "message": ...}
        text = f"{error}: {payload.get('message', '')}"
        return CallOutcome(tool, latency_s, status, is_error=True, text=text)
    result = payload.get("result")
    if not isinstance(result, dict):
        return CallOutcome(tool, latency_s, status, is_error=True, text=json.dumps(payload)[:500])
    structured = result.get("structuredContent")
    return CallOutcome(
        tool,
        latency_s,
        status,
        is_error=bool(result.get("isError")),
        text=result_text(result),
        structured=structured if isinstance(structured, dict) else None,
    )


def metric_value(exposition: str, name: str, labels: dict[str, str]) -> float | None:
    """The value of one sample in Prometheus text format, or None when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in exposition.splitlines():
        if not line.startswith(name + "{"):
            continue
        label_text, _, value = line[len(name) + 1 :].partition("} ")
        found = ",".join(sorted(label_text.split(",")))
        if found == wanted:
            return float(value)
    return None
