"""Marks the tests whose verdict is a latency or CPU measurement as ``serial``.

``make test`` runs everything else on several pytest-xdist workers (most tests wait on sockets and
deadlines, not on the CPU), then these alone, so a neighbour's burst cannot move a measured p50.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SERIAL_FILES = frozenset(
    {
        "tests/integration/launch/test_cpu_hog.py",
        "tests/integration/launch/test_pod_experiments.py",
        "tests/integration/client/test_deadline_budget.py",
        "tests/integration/client/test_soak.py",
    }
)
ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            relative = item.path.resolve().relative_to(ROOT).as_posix()
        except ValueError:
            continue
        if relative in SERIAL_FILES:
            item.add_marker(pytest.mark.serial)
