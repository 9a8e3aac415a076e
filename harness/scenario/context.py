"""What the steps of one run share: the reached deployment, the gateway caller, the record, the seed.

One :class:`RunContext` per run; nothing global. Faults the steps applied are tracked here so the
runner can undo exactly those (and only those) at the end, whatever happened.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from harness.scenario.deploy import Reached
from harness.scenario.gateway_probe import GatewayProbe
from harness.scenario.record import RunRecord

PLACEHOLDER = re.compile(r"\{(run|n|as|uniform:(-?[0-9.]+):(-?[0-9.]+))\}")


class StepError(Exception):
    """A step that cannot run as written here (no proxy API, no pod faults, unknown proxy …)."""


@dataclass
class RunContext:
    reached: Reached
    probe: GatewayProbe
    seed: int
    run_tag: str
    record: RunRecord = field(default_factory=RunRecord)
    rng: random.Random = field(init=False)
    toxics: list[tuple[str, str]] = field(default_factory=list)  # (proxy, toxic) still applied
    disabled: list[str] = field(default_factory=list)
    frozen: list[str] = field(default_factory=list)
    state: dict[type, Any] = field(default_factory=dict)  # one object per named-step family, by type
    load_stats: dict[str, Any] = field(default_factory=dict)  # load phase label → load.stats per name

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def toxiproxy(self) -> Any:
        if self.reached.toxiproxy is None:
            raise StepError("this deployment has no fault proxy API (topology.proxied or target.proxy_api)")
        return self.reached.toxiproxy

    def render(self, value: Any, n: int = 0, label: str = "") -> Any:
        """``value`` with placeholders filled in; a string that is only a placeholder keeps its type."""
        if isinstance(value, dict):
            return {k: self.render(v, n, label) for k, v in value.items()}
        if isinstance(value, list):
            return [self.render(v, n, label) for v in value]
        if not isinstance(value, str):
            return value

        def fill(match: re.Match[str]) -> str:
            return str(self.placeholder(match, n, label))

        whole = PLACEHOLDER.fullmatch(value)
        if whole is not None:
            return self.placeholder(whole, n, label)
        return PLACEHOLDER.sub(fill, value)

    def placeholder(self, match: re.Match[str], n: int, label: str) -> Any:
        name = match.group(1)
        if name == "run":
            return self.run_tag
        if name == "n":
            return n
        if name == "as":
            return label
        low, high = float(match.group(2)), float(match.group(3))
        return round(self.rng.uniform(low, high), 4)
