"""Structural matching of answers: does ``actual`` contain what ``expected`` states?"""

from __future__ import annotations

from typing import Any


def matches(expected: Any, actual: Any) -> bool:
    """Dicts: a subset; lists: every expected element matches some actual element; else equality."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and matches(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and all(any(matches(e, a) for a in actual) for e in expected)
    return bool(expected == actual)
