"""Declarative scenarios: a topology, a timeline of steps, expectations — in YAML, run by one runner.

``load_scenario(path)`` reads and validates a file (errors say ``file:line: what``);
``run_scenario(scenario)`` runs it to a :class:`~harness.report.ScenarioReport`. What YAML cannot
say is a named step (:mod:`harness.scenario.named`), never a closure.
"""

from __future__ import annotations

from harness.scenario.loader import ScenarioFileError, load_scenario
from harness.scenario.model import Scenario, scenario_schema
from harness.scenario.runner import run_scenario

__all__ = ["Scenario", "ScenarioFileError", "load_scenario", "run_scenario", "scenario_schema"]
