"""The ``agent`` expectation names what a turn did wrong; the ``agent`` step is checked when loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.scenario.agent_model import AgentExpect
from harness.scenario.agent_turns import AgentTurn, outcome, turn_problems
from harness.scenario.loader import ScenarioFileError, load_scenario

WEATHER, PAY = "weather__get_weather", "wallet__transfer"


def turn(*tools: tuple[str, bool], answer: str = "ok", latency_s: float = 0.5) -> AgentTurn:
    trace = [
        {"tool": name, "ok": ok, "error": None if ok else "ERROR (upstream_unavailable): down"}
        for name, ok in tools
    ]
    return AgentTurn(0.0, "m", latency_s, 200, answer, trace, "answer")


def expect(**fields: object) -> AgentExpect:
    return AgentExpect.model_validate({"of": "a", **fields})


def test_a_turn_that_did_what_was_asked_has_no_problem() -> None:
    e = expect(tools_in_order=[WEATHER, PAY], failed_tools=[WEATHER], errors_name=["upstream_unavailable"],
               answer_contains=["FAILED"], max_latency="1s")  # fmt: skip
    assert list(turn_problems(e, turn((WEATHER, False), (PAY, True), answer="1. FAILED"))) == []


@pytest.mark.parametrize(
    ("fields", "tools", "fragment"),
    [
        ({"tools_in_order": [WEATHER, PAY]}, [(PAY, True), (WEATHER, True)], "the agent called"),
        ({"all_ok": True}, [(WEATHER, False), (PAY, True)], f"{WEATHER} failed"),
        ({"failed_tools": []}, [(WEATHER, False)], "failed tools were"),
        ({"errors_name": ["circuit_open"]}, [(WEATHER, False)], "names none of"),
        ({"answer_contains": ["FAILED"]}, [(WEATHER, True)], "the answer lacks ['FAILED']"),
        ({"max_latency": "100ms"}, [(WEATHER, True)], "took 0.50 s"),
    ],
)
def test_each_property_names_the_offence(
    fields: dict[str, object], tools: list[tuple[str, bool]], fragment: str
) -> None:
    problems = list(turn_problems(expect(**fields), turn(*tools)))
    assert problems and fragment in problems[0], problems


def test_a_turn_without_an_answer_fails_every_expectation_and_is_a_failed_call() -> None:
    failed = AgentTurn(0.0, "m", 0.1, 500, problem="HTTP 500: Internal Server Error")
    assert list(turn_problems(expect(), failed)) == [failed.describe()]
    assert not outcome(failed).ok and outcome(turn((WEATHER, True))).ok


def test_a_misspelt_behaviour_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nsteps:\n  - agent: {message: hi, as: a, behaviour: {hallucinate: true}}\n")
    with pytest.raises(ScenarioFileError, match=r"s.yaml:3: .*behaviour.hallucinate"):
        load_scenario(path)
