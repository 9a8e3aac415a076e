"""Runs ``McpClient`` calls under gevent, as Locust does, in its own process; prints what happened as JSON.

argv[1] is a JSON spec: ``{"url", "protocol_version", "headers", "tool_errors_fail", "calls": [[tool, args]],
"ca", "cert", "key"}``. The output has the tool names listed, one outcome per call and every Locust request
event fired (name, failure message).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

from load.mcp_user import McpClient, ssl_context_factory
from load.settings import McpConnectionSettings
from load.wire import McpAnswer, RpcFailure


def outcome(answer: McpAnswer) -> dict[str, Any]:
    failure = answer.failure
    if isinstance(failure, RpcFailure):
        return {"error": {"code": failure.code, "message": failure.message}}
    if answer.result is not None:
        return {"result": answer.result, "failure": str(failure) if failure else None}
    return {"transport": str(failure)}


def main() -> None:
    spec = json.loads(sys.argv[1])
    environment = Environment()
    events: list[dict[str, Any]] = []

    def record(name: str, exception: BaseException | None = None, **_: Any) -> None:
        events.append({"name": name, "failure": str(exception) if exception else None})

    environment.events.request.add_listener(record)
    tls = McpConnectionSettings(ca_file=spec.get("ca"), cert_file=spec.get("cert"), key_file=spec.get("key"))
    http = FastHttpSession(
        base_url=spec["url"],
        request_event=environment.events.request,
        user=None,
        insecure=tls.ca_file is None,
        ssl_context_factory=ssl_context_factory(tls),
        network_timeout=10.0,
        connection_timeout=5.0,
    )
    client = McpClient(
        http,
        protocol_version=spec["protocol_version"],
        headers=spec.get("headers") or {},
        tool_errors_fail=spec.get("tool_errors_fail", False),
    )
    listed = client.list_tools()
    outcomes = [outcome(client.call_tool(name, args)) for name, args in spec["calls"]]
    client.close()
    tools = sorted(t["name"] for t in listed.tools) if listed.ok else str(listed.failure)
    print(json.dumps({"tools": tools, "outcomes": outcomes, "events": events}))


if __name__ == "__main__":
    main()
