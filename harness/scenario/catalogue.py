"""Where scenarios are found, and choosing them by name or path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.scenario.loader import load_scenario, scenario_files
from harness.scenario.model import Scenario
from harness.scenario.timeline import Step

FAULT_STEPS = ("toxic", "disable", "pod")


class UnknownScenario(ValueError):
    def __init__(self, unknown: Sequence[str], known: Sequence[str]) -> None:
        self.unknown, self.known = list(unknown), list(known)
        super().__init__(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(known)}")


def default_directory() -> Path:
    """``./scenarios`` when it exists (a checkout), else the one shipped beside the package."""
    here = Path("scenarios")
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "scenarios"


def choose(names: Sequence[str], directory: Path | None = None) -> list[Path]:
    """Files for ``names`` (a path, or the name of a scenario in ``directory``); all when empty."""
    directory = directory or default_directory()
    shipped = {p.stem: p for p in scenario_files([directory])} if directory.is_dir() else {}
    if not names:
        return list(shipped.values())
    chosen, unknown = [], []
    for name in names:
        path = Path(name)
        if path.suffix in (".yaml", ".yml") or path.is_dir():
            chosen.extend(scenario_files([path]))
        elif name in shipped:
            chosen.append(shipped[name])
        else:
            unknown.append(name)
    if unknown:
        raise UnknownScenario(unknown, list(shipped))
    return chosen


def has_faults(scenario: Scenario) -> bool:
    def walk(steps: list[Step]) -> bool:
        for step in steps:
            kind, value = step.action()
            if kind in FAULT_STEPS or (kind in ("parallel", "sequence") and walk(value)):
                return True
        return False

    return walk(scenario.steps)


def load_all(paths: Sequence[Path]) -> list[tuple[Path, Scenario]]:
    return [(path, load_scenario(path)) for path in paths]
