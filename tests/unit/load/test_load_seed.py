"""A scenario's seed reaches the Locust processes, so the same scenario seed replays the same workload data."""

from __future__ import annotations

from pathlib import Path

from harness.commands.load_run import LoadRequest, Target, locust_env
from load.settings import WorkloadSettings


def request(seed: int | None) -> LoadRequest:
    return LoadRequest(
        target=None,
        users=1,
        spawn_rate=1,
        run_time_s=1,
        workers=0,
        objectives=[],
        timeline=None,
        report_dir=Path("/tmp/unused"),
        run_id="r",
        seed=seed,
    )


def test_the_seed_is_passed_to_locust_and_read_by_its_settings(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    env = locust_env(request(1234), Target("http://127.0.0.1:1/mcp", "k", None))
    assert env["MCPH_LOAD_SEED"] == "1234"
    monkeypatch.setenv("MCPH_LOAD_SEED", env["MCPH_LOAD_SEED"])
    assert WorkloadSettings().seed == 1234


def test_without_a_seed_the_settings_keep_their_own() -> None:
    env = locust_env(request(None), Target("http://127.0.0.1:1/mcp", "k", None))
    assert "MCPH_LOAD_SEED" not in env
