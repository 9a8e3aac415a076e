"""The agent scenario FAILS when the agent's behaviour regresses — proof that its expectations measure.

The deployment runs in this process, so a regression is simulated by patching the client's agent: a
tool failure that is raised out of the turn instead of observed by the model (the catch narrowed), and
a model that calls the tools in the reverse order of the caller's tasks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from client.agent_tools import Observation, Toolbox
from harness.fakes import llm_policy
from harness.report import ScenarioReport
from harness.scenario import load_scenario, run_scenario

SCENARIO = Path(__file__).resolve().parents[3] / "scenarios" / "agent-weather-then-pay.yaml"
STEADY = "weather then payment, both ok, the answer quotes both"
CUT = "the cut weather route is reported, the payment still happens"


def run() -> ScenarioReport:
    scenario = load_scenario(SCENARIO)

    async def go() -> ScenarioReport:
        with anyio.fail_after(scenario.timeout + 30):
            return await run_scenario(scenario)

    return anyio.run(go)


def broken(report: ScenarioReport) -> dict[str, str]:
    assert report.verdict == "fail", (report.verdict, report.error, report.failures())
    return {e.name: e.detail for e in report.failures()}


def test_the_shipped_scenario_passes_unbroken() -> None:
    report = run()
    assert report.verdict == "pass", (report.error, report.failures())
    assert {e.name for e in report.expectations if e.held} >= {STEADY, CUT}


def test_it_fails_when_a_tool_error_is_raised_out_of_the_turn_instead_of_observed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    observe = Toolbox.run

    async def raising(self: Toolbox, name: str, arguments: Any, deadline: float) -> Observation:
        observation = await observe(self, name, arguments, deadline)
        if not observation.ok:
            raise RuntimeError(observation.text)
        return observation

    monkeypatch.setattr(Toolbox, "run", raising)
    failures = broken(run())
    assert STEADY not in failures  # nothing failed there: only the faulted turn shows the regression
    assert CUT in failures and "the turn failed" in failures[CUT], failures
    assert "bob received both payments" in failures  # the payment after the weather never happened


def test_it_fails_when_the_model_calls_the_tools_in_the_wrong_order(monkeypatch: pytest.MonkeyPatch) -> None:
    split = llm_policy.split_tasks

    def reversed_tasks(message: str) -> list[str]:
        return list(reversed(split(message)))

    monkeypatch.setattr(llm_policy, "split_tasks", reversed_tasks)
    failures = broken(run())
    assert "the agent called ['wallet__transfer', 'weather__get_weather']" in failures[STEADY], failures
