"""Durations as Locust writes them (``20s``, ``1m30s``, ``2h``, ``500ms``) or plain seconds."""

from __future__ import annotations

import re

PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class BadDuration(ValueError):
    """Not a duration; the message says what was given and what is expected."""


def parse_duration(text: str | float | int) -> float:
    """Seconds in ``text``; a bare number means seconds."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        seconds = float(text)
    else:
        value = str(text).strip().lower()
        try:
            seconds = float(value)
        except ValueError:
            parts = PART.findall(value)
            if not parts or "".join(n + u for n, u in parts) != value:
                raise BadDuration(f"{text!r} is not a duration (e.g. 20s, 1m30s, 500ms)") from None
            seconds = sum(float(n) * SECONDS[u] for n, u in parts)
    if seconds < 0:
        raise BadDuration(f"{text!r}: a duration cannot be negative")
    return seconds
