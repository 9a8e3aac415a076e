"""What the process runners refuse rather than run differently from what was asked."""

from __future__ import annotations

import pytest

from harness.launch.options import LaunchOptions
from harness.launch.process import launch_processes
from harness.launch.runners import RunnerUnavailable, launch_with
from harness.topology import reference_topology


@pytest.mark.anyio
async def test_docker_backends_are_refused_by_the_process_runner_before_anything_starts() -> None:
    options = LaunchOptions(topology=reference_topology(), backends="docker")
    with pytest.raises(ValueError, match="in-process runner only"):
        async with launch_processes(options):
            pass
    for runner in ("process", "netns"):
        with pytest.raises(RunnerUnavailable, match=f"inprocess only, not {runner}"):
            async with launch_with(runner, options):  # type: ignore[arg-type]
                pass
