"""The catalogue of checks: id, the spec clause enforced, MUST or SHOULD, versions and transports.

Check modules register with :func:`check`; :func:`all_checks` imports them all, so the list a user
sees (``mcp-harness contract --list``) is the list that runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from harness.contract.session import LEGACY, MODERN, PROTOCOL_VERSIONS
from harness.contract.target import TransportKind

if TYPE_CHECKING:
    from harness.contract.context import CheckContext

Severity = Literal["MUST", "SHOULD"]
CheckFunction = Callable[["CheckContext"], Awaitable[str | None]]  # may return a note for "why"
CHECK_MODULES = (
    "lifecycle", "http_transport", "jsonrpc", "tools", "prompts", "resources", "modern_features",
    "auth", "fuzzing", "cancellation", "liveness",
)  # fmt: skip
BOTH: tuple[str, ...] = PROTOCOL_VERSIONS
# When a check runs: alongside other checks, alone after them (it may kill or flood the target), or last.
CONCURRENT, ALONE, LAST = 0, 1, 2
MODERN_ONLY: tuple[str, ...] = (MODERN,)
LEGACY_ONLY: tuple[str, ...] = (LEGACY,)


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    clause: str
    severity: Severity
    versions: tuple[str, ...]
    transports: tuple[TransportKind, ...]
    run: CheckFunction
    phase: int = CONCURRENT
    per_call_deadlines: bool = False  # every wait inside is bounded per call: no whole-check deadline

    @property
    def concurrent(self) -> bool:
        return self.phase == CONCURRENT

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]


REGISTRY: dict[str, Check] = {}


def check(
    check_id: str,
    *,
    title: str,
    clause: str,
    severity: Severity,
    versions: tuple[str, ...] = BOTH,
    transports: tuple[TransportKind, ...] = ("http", "stdio"),
    phase: int = CONCURRENT,
    per_call_deadlines: bool = False,
) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        if check_id in REGISTRY and REGISTRY[check_id].run is not function:
            raise ValueError(f"check id registered twice: {check_id}")
        REGISTRY[check_id] = Check(
            check_id, title, clause, severity, versions, transports, function, phase, per_call_deadlines
        )
        return function

    return register


def all_checks() -> list[Check]:
    for name in CHECK_MODULES:
        importlib.import_module(f"harness.contract.{name}")
    return list(REGISTRY.values())


def select_checks(patterns: Iterable[str] | None = None) -> list[Check]:
    """Checks whose id equals or starts with one of ``patterns`` (all when none given)."""
    checks = all_checks()
    wanted = [p for p in (patterns or []) if p]
    if not wanted:
        return checks
    chosen = [c for c in checks if any(c.id == p or c.id.startswith(p.rstrip(".") + ".") for p in wanted)]
    if not chosen:
        raise KeyError(f"no check matches {', '.join(wanted)}")
    return chosen
