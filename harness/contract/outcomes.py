"""How a check reports: it returns to pass, raises :class:`CheckFailed` or :class:`CheckSkipped`.

A failure carries what was expected and what was observed, so a report reads like a finding.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"
    NOT_RUN = "not run"  # the target died earlier in the run and could not be brought back


class CheckFailed(Exception):
    """The server broke the rule the check enforces; ``details`` carry what a report keeps whole
    (exact arguments, reproduction) where the message may be cut for display."""

    def __init__(self, expected: str, observed: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(f"expected {expected}; observed {observed}")
        self.expected = expected
        self.observed = observed
        self.details = details or []


class CheckSkipped(Exception):
    """The check does not apply to this target (the reason says why)."""


def expect(condition: bool, expected: str, observed: str) -> None:
    if not condition:
        raise CheckFailed(expected, observed)


NOT_FOR_STDIO = "not applicable to stdio"
