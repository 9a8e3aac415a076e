"""The CPU-hog experiment: two workers burning in the knowledge pod leave the gateway's p50 within 20 % when
the pod has a CPU limit (a cgroup CFS quota, as Kubernetes sets), and move it well beyond without one.

Root with a writable cgroup cpu controller only (CI runs as root); elsewhere skipped with the reason.
"""

from __future__ import annotations

import anyio
import pytest

from chaos.experiments import ExperimentResult, Phase, Verdict, run_experiment
from harness.launch.cgroups import CGROUP_FS, cpu_limit_unavailable_reason
from harness.launch.process import launch_processes
from harness.pod_experiments import cpu_hog

REASON = cpu_limit_unavailable_reason()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(REASON is not None, reason=REASON or "")]


async def run_hog(cpu_limit_millicores: int | None) -> ExperimentResult:
    with anyio.fail_after(40):  # launch, run (each step ≤ 20 s) and stop, bounded
        options = cpu_hog.launch_options(cpu_limit_millicores)
        async with launch_processes(options, cpu_hog.process_options()) as deployment:
            result = await run_experiment(cpu_hog.build(deployment))
            groups = list(deployment.cpu_limits.groups.values()) if deployment.cpu_limits else []
    assert all(not group.exists() for group in groups), f"cgroups left behind: {groups}"
    return result


@pytest.mark.anyio
async def test_a_cpu_limit_keeps_the_gateway_p50_and_no_limit_does_not() -> None:
    guarded = await run_hog(cpu_hog.POD_CPU_LIMIT_MILLICORES)
    m = guarded.measurements
    assert guarded.verdict is Verdict.PASS, guarded.as_json()
    assert guarded.rolled_back
    assert m["cpu_limit_millicores"] == cpu_hog.POD_CPU_LIMIT_MILLICORES
    assert isinstance(m["throttled_periods"], int) and m["throttled_periods"] > 0  # the quota did bind
    assert m["calls_per_side"] == 480  # 6 hogged windows of 80 calls, 4 callers at once

    unguarded = await run_hog(None)  # the guard removed: the pod has no CPU limit
    assert unguarded.verdict is Verdict.FAIL and unguarded.phase is Phase.OBSERVE, unguarded.as_json()
    assert "p50 moved" in (unguarded.reason or "")
    assert unguarded.measurements["cpu_limit_millicores"] is None
    assert unguarded.rolled_back
    assert not [g for g in CGROUP_FS.glob("*/mcph*") if g.is_dir()], "stale cgroups"
