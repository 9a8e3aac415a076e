"""Scenario files: every shipped one loads; a bad one is reported as file:line: what; the schema is current."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from harness.scenario.catalogue import UnknownScenario, choose, has_faults
from harness.scenario.context import RunContext
from harness.scenario.loader import ScenarioFileError, load_scenario
from harness.scenario.model import scenario_schema
from harness.scenario.schema import schema_text

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_loads_and_is_named_after_its_file(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.expect, "a scenario without expectations proves nothing"


def test_the_committed_schema_is_the_models() -> None:
    assert (SCENARIOS / "schema.json").read_text() == schema_text(), (
        "scenarios/schema.json is stale: run python -m harness.scenario.schema"
    )
    schema = scenario_schema()
    assert "steps" in schema["required"] and "Step" in schema["$defs"]


def test_problems_name_the_file_the_line_and_what(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """name: bad
steps:
  - wait: 2s
  - call:
      tool: weather__get_weather
      as: w
      times: 0
  - wat: 3
expect:
  - calls: {of: w, ok: everything}
  - slo: {of: w, objectives: "p95<fast"}
  - measure: {name: x, at_least: 1}
    recovery: {of: w, within: 1s}
""",
    )
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    problems = caught.value.problems
    assert f"{path}:7: steps[1].call.times: Input should be greater than or equal to 1" in problems
    assert any(
        p.startswith(f"{path}:8: steps[2]: give exactly one of: toxic,") and "(got wat)" in p
        for p in problems
    )
    assert f"{path}:10: expect[0].calls.ok: Input should be 'all', 'none' or 'some'" in problems
    assert any(p.startswith(f"{path}:11: expect[1].slo.objectives: cannot read objective") for p in problems)
    assert any(p.startswith(f"{path}:12: expect[2]: give exactly one of") for p in problems)


def test_named_steps_are_checked_when_loading(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """name: named
steps:
  - use: {step: wallet_transfers, with: {transfers: -1}}
  - use: {step: no_such_step}
expect: []
""",
    )
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    text = str(caught.value)
    assert (
        f"{path}:3: steps[0].use: wallet_transfers: with.transfers: Input should be greater than or equal to 1"
        in text
    )
    assert f"{path}:4: steps[1].use: unknown step 'no_such_step'; known: wallet_accounts" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: [\n", ":2: not valid YAML"),
        ("- 1\n", ":1: a scenario is a mapping"),
        ("name: x\n", ":1: steps"),
    ],
)
def test_unreadable_files_are_clear(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(write(tmp_path, text))
    assert expected in str(caught.value)


def test_choosing_by_name_or_path_and_refusing_unknown_names(tmp_path: Path) -> None:
    assert [p.stem for p in choose(["knowledge-down"], SCENARIOS)] == ["knowledge-down"]
    assert choose([str(SCENARIOS / "retrieval.yaml")], SCENARIOS) == [SCENARIOS / "retrieval.yaml"]
    with pytest.raises(UnknownScenario, match="unknown scenario"):
        choose(["nope"], SCENARIOS)
    assert has_faults(load_scenario(SCENARIOS / "knowledge-down.yaml"))
    assert not has_faults(load_scenario(SCENARIOS / "retrieval.yaml"))


def test_same_seed_same_arguments() -> None:
    def draws(seed: int) -> list[object]:
        ctx = RunContext.__new__(RunContext)
        ctx.rng, ctx.run_tag = random.Random(seed), "tag"
        template = {"lat": "{uniform:-60:60}", "id": "{run}-{n}-{as}", "nested": ["{uniform:0:1}"]}
        return [ctx.render(template, n, "label") for n in range(3)]

    assert draws(5) == draws(5)
    assert draws(5) != draws(6)
    first = draws(5)[1]
    assert isinstance(first, dict) and isinstance(first["lat"], float) and first["id"] == "tag-1-label"
    json.dumps(first)
