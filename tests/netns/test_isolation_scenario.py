"""scenarios/isolation.yaml passes on the netns runner, and fails naming the pair when a firewall rule is
wider than the topology says (the rendered rule admits one more source; the policy does not). Root only."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import anyio
import pytest

import harness.launch.netns
from harness.isolation.nftables import ruleset
from harness.isolation.policy import IngressRule
from harness.launch.netns import netns_unavailable_reason
from harness.report import ScenarioReport
from harness.scenario import load_scenario, run_scenario

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "isolation.yaml"

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(netns_unavailable_reason() is not None, reason=str(netns_unavailable_reason())),
]


async def run_isolation() -> ScenarioReport:
    scenario = load_scenario(SCENARIO)
    with anyio.fail_after(scenario.timeout + 30):
        return await run_scenario(scenario)


async def test_the_isolation_scenario_passes() -> None:
    report = await run_isolation()
    assert report.verdict == "pass", (report.error, report.failures())
    assert report.measurements["matrix.pairs"] == 49 and report.measurements["matrix.allowed"] == 13
    assert [c.tool for c in report.calls] == ["weather__get_weather"]


async def test_a_widened_rule_fails_the_scenario_naming_the_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    def widened(rule: IngressRule, addresses: dict[str, str]) -> str:
        if rule.target == "wallet":  # the gateway may dial the wallet directly: not an edge of the topology
            rule = dataclasses.replace(rule, sources=rule.sources | {"gateway"})
        return ruleset(rule, addresses)

    monkeypatch.setattr(harness.launch.netns, "ruleset", widened)
    report = await run_isolation()
    assert report.verdict == "fail", (report.verdict, report.error)
    broken = {e.name: e for e in report.failures()}
    assert list(broken) == ["no pair connects that the topology does not allow"], list(broken)
    failure = broken["no pair connects that the topology does not allow"]
    assert failure.measured == "1"
    assert failure.detail == "gateway → wallet connected, but the topology does not allow it"
