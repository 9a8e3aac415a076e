"""The report files: JSON and JUnit say per expectation what held; the HTML page opens offline in a real
browser (Debian's chromium, headless) with its charts drawn — checked on the screenshot's pixels."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from harness.report import CallPoint, ExpectationResult, RunReport, ScenarioReport, Window, write_all
from harness.report.svg import FAULT_FILL, PALETTE
from tests.unit.report.chromium import chromium_path, dump_dom, read_png, screenshot


def sample_report() -> RunReport:
    calls = [CallPoint(t / 10, "wallet__get_balance", 20 + t % 7, True, None, "steady") for t in range(60)]
    calls += [
        CallPoint(3 + t / 5, "weather__get_weather", 1000 + t, False, "upstream_timeout", "fault")
        for t in range(10)
    ]
    calls += [CallPoint(t / 8, "knowledge__search", 40 + t % 5, True, None, "steady") for t in range(50)]
    passed = ScenarioReport(
        name="latency-client-weather",
        verdict="fail",
        description="a slow weather server costs its callers the deadline",
        seed=7,
        duration_s=6.5,
        expectations=[
            ExpectationResult("isolation fault-wallet vs steady-wallet", True, "p95 25 ms", "≤ 145 ms"),
            ExpectationResult(
                "weather ends at its deadline",
                False,
                "3 calls, 0 ok",
                "latency 0.95–1.75 s",
                "weather__get_weather ended after 2.530 s",
                "latency on client-weather (3.0–5.0 s)",
            ),
        ],
        calls=calls,
        windows=[Window("slow", "latency", "client-weather", 3.0, 5.0)],
        timeline=[(0.0, "steady state"), (3.0, "toxic latency on client-weather"), (5.0, "remove toxic")],
    )
    broken = ScenarioReport(name="contract", verdict="error", error="TargetUnreachable: no answer")
    return RunReport(title="mcp-harness run", scenarios=[passed, broken], duration_s=7.0)


def test_json_and_junit_say_what_held(tmp_path: Path) -> None:
    write_all(sample_report(), tmp_path)
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["passed"] is False and data["counts"] == {"pass": 0, "fail": 1, "error": 1, "skip": 0}
    first = data["scenarios"][0]
    assert first["expectations"][1]["window"] == "latency on client-weather (3.0–5.0 s)"
    assert len(first["calls"]) == 120 and first["windows"][0]["target"] == "client-weather"
    suites = ET.parse(tmp_path / "junit.xml").getroot().findall("testsuite")
    assert [(s.get("name"), s.get("failures"), s.get("errors")) for s in suites] == [
        ("latency-client-weather", "1", "0"),
        ("contract", "0", "1"),
    ]
    failure = suites[0].find("testcase[@name='weather ends at its deadline']/failure")
    assert failure is not None and "during latency on client-weather" in (failure.text or "")


def test_the_html_is_self_contained(tmp_path: Path) -> None:
    write_all(sample_report(), tmp_path)
    page = (tmp_path / "report.html").read_text()
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert page.count('class="call ok"') == 110 and page.count('class="call failed"') == 10
    assert 'class="fault"' in page and "could not be judged: TargetUnreachable" in page


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def near(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


@pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed (make system-deps)")
def test_the_charts_render_in_headless_chromium(tmp_path: Path) -> None:
    write_all(sample_report(), tmp_path / "report")
    page = tmp_path / "report" / "report.html"
    width, height, pixels = read_png(screenshot(page, tmp_path / "shot.png"))
    assert (width, height) == (1000, 1600)
    counts = Counter(pixels)
    shade = tuple(round(255 + (c - 255) * 0.13) for c in hex_rgb(FAULT_FILL))  # 13 % red over white
    tools = {
        name: hex_rgb(PALETTE[i])
        for i, name in enumerate(["knowledge__search", "wallet__get_balance", "weather__get_weather"])
    }
    painted = {name: sum(n for p, n in counts.items() if near(p, rgb)) for name, rgb in tools.items()}
    shaded = sum(n for p, n in counts.items() if near(p, shade, 6))
    assert shaded > 2_000, f"the fault window is not shaded ({shaded} pixels)"
    assert all(n > 200 for n in painted.values()), f"a tool's dots or bars are missing: {painted}"
    dom = dump_dom(page)
    assert dom.count('class="call ok"') == 110 and 'class="chart errors"' in dom
