"""Reading scenario files: YAML → :class:`Scenario`, with every problem given as ``file:line: what``.

PyYAML's composed node tree keeps each value's position (its marks); a pydantic error's location
(``steps.2.call.times``) is walked down that tree to the line it came from, so a user sees
``scenarios/x.yaml:14: steps[2].call.times: Input should be greater than or equal to 1``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import ValidationError

from harness.scenario.model import Scenario


class ScenarioFileError(ValueError):
    """A scenario file that cannot be used; ``problems`` are ``file:line: what`` lines."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))


def node_at(root: yaml.Node, location: Iterable[int | str]) -> yaml.Node:
    """The deepest node of ``root`` on ``location`` (the parent when a key is missing)."""
    node = root
    for part in location:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
    return node


def spell(location: Iterable[int | str]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def load_scenario(path: Path) -> Scenario:
    """Parse and validate one scenario file; raises :class:`ScenarioFileError` with file:line problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(path, [f"{path}: cannot read: {exc}"]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}" if mark is not None else "1"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioFileError(path, [f"{path}:{line}: not valid YAML: {problem}"]) from None
    if root is None or not isinstance(data, dict):
        raise ScenarioFileError(path, [f"{path}:1: a scenario is a mapping with name, steps and expect"])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = [p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
            node = node_at(root, location)
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{path}:{node.start_mark.line + 1}: {spell(location)}: {message}")
        raise ScenarioFileError(path, problems) from None


def scenario_files(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and the ``*.yaml`` of directories named, in sorted order per directory."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files
