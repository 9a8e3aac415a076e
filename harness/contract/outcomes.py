"""How a check reports: it returns to pass, raises :class:`CheckFailed` or :class:`CheckSkipped`.

A failure carries what was expected and what was observed, so a report reads like a finding.
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"


class CheckFailed(Exception):
    """The server broke the rule the check enforces."""

    def __init__(self, expected: str, observed: str) -> None:
        super().__init__(f"expected {expected}; observed {observed}")
        self.expected = expected
        self.observed = observed


class CheckSkipped(Exception):
    """The check does not apply to this target (the reason says why)."""


def expect(condition: bool, expected: str, observed: str) -> None:
    if not condition:
        raise CheckFailed(expected, observed)


NOT_FOR_STDIO = "not applicable to stdio"
