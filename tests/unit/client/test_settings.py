"""Client settings: the longest call deadline, which whatever fronts the client must outwait."""

from __future__ import annotations

from client.settings import ClientSettings, UpstreamSettings


def upstream(name: str, **fields: object) -> UpstreamSettings:
    return UpstreamSettings(name=name, url=f"http://127.0.0.1:1/{name}", **fields)  # type: ignore[arg-type]


def test_longest_deadline_covers_tool_server_and_default_deadlines() -> None:
    assert ClientSettings(default_timeout_s=7).longest_deadline_s() == 7
    assert ClientSettings(upstreams=[upstream("a")], default_timeout_s=7).longest_deadline_s() == 7
    servers = [upstream("a", call_timeout_s=3), upstream("b", call_timeout_s=4)]
    assert ClientSettings(upstreams=servers, default_timeout_s=7).longest_deadline_s() == 4
    servers = [upstream("a", call_timeout_s=3), upstream("b")]
    assert ClientSettings(upstreams=servers, default_timeout_s=7).longest_deadline_s() == 7
    slow_tool = [upstream("a", call_timeout_s=3, tool_timeouts_s={"answer": 45})]
    assert ClientSettings(upstreams=slow_tool, default_timeout_s=7).longest_deadline_s() == 45
