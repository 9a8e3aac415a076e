"""The load user's wire reading, the fault timeline (file, steps, windows, roll-back) and the summary width."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from rich.console import Console

from load.faults_timeline import BadTimeline, load_timeline, run_timeline, windows
from load.samples import Sample
from load.stats import summarize
from load.summary import results_table, window_stats, windows_table
from load.wire import ProtocolFailure, RpcFailure, ToolFailure, TransportFailure, frame, read_answer

SSE = (
    'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\n\n'
    'event: message\ndata: {"jsonrpc":"2.0","id":7,\ndata: "result":{"content":[{"type":"text","text":"hi"}]}}\n\n'
)


def test_an_event_stream_answer_is_found_among_notifications() -> None:
    answer = read_answer("tools/call", 200, "text/event-stream", SSE.encode(), 7, True)
    assert answer.ok and answer.text == "hi"
    missing = read_answer("tools/call", 200, "text/event-stream", SSE.encode(), 8, True)
    assert isinstance(missing.failure, ProtocolFailure)


def test_errors_are_classified() -> None:
    rpc = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "error": {"code": -32022, "message": "unsupported"}}
    ).encode()
    assert isinstance(read_answer("x", 400, "application/json", rpc, 1, True).failure, RpcFailure)
    assert (
        str(read_answer("x", 502, "text/plain", b"bad gateway", 1, True).failure) == "HTTP 502: bad gateway"
    )
    assert isinstance(read_answer("x", 502, "text/plain", b"bad gateway", 1, True).failure, TransportFailure)
    error_result = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "result": {"isError": True, "content": []}}
    ).encode()
    assert isinstance(read_answer("x", 200, "application/json", error_result, 1, True).failure, ToolFailure)
    assert read_answer("x", 200, "application/json", error_result, 1, False).ok


def test_framing_per_version() -> None:
    body, headers = frame("2026-07-28", "tools/call", {"name": "t", "arguments": {}}, 3)
    message = json.loads(body)
    assert headers["Mcp-Name"] == "t" and message["params"]["_meta"] and message["id"] == 3
    body, headers = frame("2025-11-25", "tools/list", None, 4, "s-1")
    assert json.loads(body) == {"jsonrpc": "2.0", "method": "tools/list", "id": 4}
    assert headers["Mcp-Session-Id"] == "s-1" and headers["MCP-Protocol-Version"] == "2025-11-25"
    _, init = frame("2025-11-25", "initialize", {}, 1)
    assert "MCP-Protocol-Version" not in init and "Mcp-Session-Id" not in init


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faults.yaml"
    path.write_text(text)
    return path


def test_bad_timelines_say_why(tmp_path: Path) -> None:
    with pytest.raises(BadTimeline, match="exactly one of add, remove"):
        load_timeline(write(tmp_path, "steps:\n  - at: 1s\n"))
    with pytest.raises(BadTimeline, match="not a duration"):
        load_timeline(write(tmp_path, "- at: soon\n  disable: p\n"))
    with pytest.raises(BadTimeline, match="cannot read"):
        load_timeline(tmp_path / "absent.yaml")


class RecordingApi:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    async def add_toxic(self, proxy: str, type: str, **kw: Any) -> None:
        self.calls.append(("add", proxy, kw["name"]))

    async def remove_toxic(self, proxy: str, toxic: str) -> None:
        self.calls.append(("remove", proxy, toxic))

    async def update_proxy(self, name: str, *, enabled: bool | None = None) -> None:
        self.calls.append(("enabled", name, enabled))


@pytest.mark.anyio
async def test_steps_apply_in_order_and_leftovers_are_rolled_back(tmp_path: Path) -> None:
    timeline = load_timeline(
        write(
            tmp_path,
            "- at: 0.1s\n  remove: {proxy: a, name: x}\n"
            "- at: 0s\n  add: {proxy: a, type: latency, name: x, attributes: {latency: 5}}\n"
            "- at: 0.2s\n  add: {proxy: b, type: timeout}\n"
            "- at: 0.3s\n  disable: c\n"
            "- at: 60s\n  enable: c\n",
        )
    )
    api = RecordingApi()
    with anyio.fail_after(10):
        started = time.time()
        applied = await run_timeline(api, timeline, started, started + 1.0)
    assert [a.label for a in applied] == ["+latency a", "-x a", "+timeout b", "disable c"]
    assert api.calls[4:] == [("remove", "b", "timeout_downstream"), ("enabled", "c", True)]
    cut = windows(applied, started - 1, started + 2)
    assert [w.label for w in cut] == [
        "no fault",
        "+latency a",
        "no fault",
        "+timeout b",
        "+timeout b, disable c",
    ]


def test_tables_fit_80_columns() -> None:
    rows = [
        Sample(i / 10, f"tools/call knowledge__a_rather_long_tool_name_{i % 3}", 12345.6, None)
        for i in range(50)
    ]
    stats = summarize(rows, 5.0)
    per_window = window_stats(rows, windows([], 0.0, 5.0))
    console = Console(width=200, record=True)
    console.print(results_table(stats))
    console.print(windows_table(per_window, 0.0))
    lines = console.export_text().splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert any("knowledge__a_rather" in line for line in lines)
