"""``pod-cpu-hog``: a server hogs CPU beside itself; the gateway's p50 does not move beyond 20 %.

Fault: ``cpu-hog`` with two busy workers (two cores' worth, on a 2-core machine) inside the knowledge
pod — in its cgroup, so its CPU limit binds them as it would a stress sidecar in the same pod. Guard:
the pod's CPU limit (``cpu_limit_millicores``, Kubernetes' ``resources.limits.cpu``): without it the
hog takes the cores the gateway, the client and the weather server need.

The limit runs with a 10 ms CFS period (the kubelet's ``cpuCFSQuotaPeriod``, default 100 ms). With
100 ms the two workers spend the pod's 25 ms quota in 12.5 ms bursts on both cores at the start of every
period, and calls that meet a burst wait: the gateway's p50 moved by up to +3.3 ms (22 %) on the loaded
2-core machine (one caller), where 10 ms periods kept it within ~1 ms. The quota's bursts are said, not
hidden.

Measurement, made to hold on a loaded machine: weather calls through the gateway (a path the hog's pod
is not on) from four callers at once, in windows that alternate quiet and hogged within the one run —
quiet, hog, quiet, …, quiet — so load from elsewhere that drifts during the run falls on both sides
alike. Each hog window starts once every worker is burning (its CPU time moved) and ends by stopping
them. Each hogged window's p50 is compared with the mean p50 of the quiet windows either side; the median
of those excesses must stay within 20 % of the quiet p50 or within ``hog_floor_s`` (3 ms, stated in
:class:`PodPolicy`). Windows are 80 calls (≈ 0.2 s), six hogged between seven quiet: shorter windows let
the other work on a shared machine swing one quiet window's p50 by ±50 %. The floor is wider than 20 % of a
5–10 ms p50 on purpose, and says so: on the shared 2-core development machine a limited hog still moved
p50 by +0.9…1.2 ms (its quarter core is felt when other work loads the machine too), an unlimited one by
+4.8…6.6 ms (p50 nearly doubled); the run's window p50s are recorded (``window_p50s_ms``).
"""

from __future__ import annotations

import json
import os
import time
from statistics import median

import anyio

from chaos.experiments import Experiment, ExperimentContext, run_experiment
from harness.launch.options import Deployment, LaunchOptions
from harness.launch.pod_faults import FaultParams, PodFaults
from harness.launch.process import ProcessDeployment, ProcessOptions, launch_processes
from harness.pod_experiments.support import POD_POLICY, PodPolicy, closing, latencies, pods_of
from harness.scenario.gateway_probe import GatewayProbe, percentile
from harness.scenario.polling import eventually
from harness.topology import Edge, Service, Topology

NAME = "pod-cpu-hog"
POD = "knowledge"
CALL = ("weather__get_weather", {"city": "Paris"})
WORKERS = 2
HOG_BURNING_S = 0.05  # CPU seconds each worker must have used before a hog window counts
POD_CPU_LIMIT_MILLICORES = 250  # the guard: a quarter of a core for the knowledge pod
CFS_PERIOD_US = 10_000  # see the module docstring: the default 100 ms lets throttled bursts through


def process_options() -> ProcessOptions:
    return ProcessOptions(cpu_period_us=CFS_PERIOD_US)


def launch_options(cpu_limit_millicores: int | None = POD_CPU_LIMIT_MILLICORES) -> LaunchOptions:
    """The smallest deployment with the hog's pod beside the measured path (gateway → client → weather)."""
    topology = Topology(
        services=[
            Service(name="weather", kind="server"),
            Service(name="weather-api", kind="fake"),
            Service(name=POD, kind="server", cpu_limit_millicores=cpu_limit_millicores),
            Service(name="client", kind="client"),
            Service(name="gateway", kind="gateway", public=True),
        ],
        edges=[
            Edge(source="weather", target="weather-api", name="weather-api"),
            Edge(source="client", target="weather"),
            Edge(source="client", target=POD),
            Edge(source="gateway", target="client"),
        ],
    )
    return LaunchOptions(topology=topology, gateway_overrides={"rate_limit": "100000/minute"})


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def start_burning(faults: PodFaults, duration_s: float, within_s: float = 5.0) -> bool:
    """Start the hog and return once every worker has burnt ``HOG_BURNING_S`` (False if not in time)."""
    await faults.apply("cpu-hog", POD, FaultParams(duration_s=duration_s, workers=WORKERS))
    pids = [hog.pid for hog in faults.hogs]

    async def slowest() -> float:
        return min(cpu_seconds(pid) for pid in pids)

    polled = await eventually(slowest, lambda used: used >= HOG_BURNING_S, within_s=within_s, interval_s=0.02)
    return polled.satisfied


async def window(ctx: ExperimentContext, probe: GatewayProbe, policy: PodPolicy) -> list[float]:
    """One window's latencies: ``hog_callers`` callers at once (a gateway serves many; a lone caller
    barely needs the CPU a hog takes), ``hog_window_calls`` calls in all."""
    seen: list[float] = []

    async def caller() -> None:
        seen.extend(await latencies(ctx, probe, CALL, policy.hog_window_calls // policy.hog_callers))

    async with anyio.create_task_group() as tg:
        for _ in range(policy.hog_callers):
            tg.start_soon(caller)
    return seen


def build(deployment: Deployment, policy: PodPolicy = POD_POLICY) -> Experiment:
    faults = pods_of(deployment)
    endpoints = deployment.endpoints
    assert endpoints.gateway and endpoints.api_key, "the deployment has no gateway"
    probe = GatewayProbe(endpoints.gateway, endpoints.api_key, timeout_s=10)
    quiet: list[list[float]] = []  # window by window: quiet, hogged, quiet, hogged, …, quiet
    hogged: list[list[float]] = []
    window_s = 30.0  # a hog outlives no run: stopped at the end of its window, or by rollback

    async def hypothesis(ctx: ExperimentContext) -> None:
        polled = await eventually(
            lambda: probe.call(*CALL), lambda o: o.ok, within_s=policy.recovery_within_s
        )
        ctx.check(polled.satisfied, f"the deployment is not healthy: {polled.value.describe()}")
        await latencies(ctx, probe, CALL, 5)  # warm connections and caches
        ctx.record("cpu_limit_millicores", deployment.topology.service(POD).cpu_limit_millicores)
        quiet.append(await window(ctx, probe, policy))

    async def inject(ctx: ExperimentContext) -> None:
        ctx.check(await start_burning(faults, window_s), "the CPU hog did not start burning within 5 s")

    async def observe(ctx: ExperimentContext) -> None:
        started = time.monotonic()
        for round_ in range(policy.hog_rounds):
            hogged.append(await window(ctx, probe, policy))
            await faults.stop_hogs()
            quiet.append(await window(ctx, probe, policy))
            if round_ + 1 < policy.hog_rounds:
                ctx.check(await start_burning(faults, window_s), "the CPU hog did not start burning")
        ctx.record("observe_s", time.monotonic() - started)
        ctx.record("calls_per_side", sum(map(len, hogged)))
        limits = deployment.cpu_limits if isinstance(deployment, ProcessDeployment) else None
        if limits is not None and POD in limits.groups:
            ctx.record("throttled_periods", limits.throttled_periods(POD))
        # each hogged window against the quiet windows either side of it: load from elsewhere that drifts
        # during the run falls on both; the median pair decides, so one disturbed window does not
        pairs = [
            (percentile(h, 50), (percentile(before, 50) + percentile(after, 50)) / 2)
            for h, before, after in zip(hogged, quiet, quiet[1:], strict=False)
        ]
        sequence = [f"q{percentile(quiet[0], 50) * 1000:.1f}"]
        for h, q in zip(hogged, quiet[1:], strict=False):
            sequence += [f"H{percentile(h, 50) * 1000:.1f}", f"q{percentile(q, 50) * 1000:.1f}"]
        ctx.record("window_p50s_ms", " ".join(sequence))  # the run as it went: quiet q, hogged H
        during, before = median([h for h, _ in pairs]), median([q for _, q in pairs])
        excess = median([h - q for h, q in pairs])
        allowed = max((policy.isolation_ratio - 1) * before, policy.hog_floor_s)
        ctx.record("gateway_p50_quiet_ms", before * 1000)
        ctx.record("gateway_p50_hog_ms", during * 1000)
        ctx.record("gateway_p50_excess_ms", excess * 1000)
        ctx.record("gateway_p50_allowed_excess_ms", allowed * 1000)
        ctx.check(
            excess <= allowed,
            f"the gateway's p50 moved from {before * 1000:.1f} ms to {during * 1000:.1f} ms "
            f"(+{excess * 1000:.1f} ms, median of {len(pairs)} interleaved window pairs) with {WORKERS} "
            f"workers hogging CPU in the {POD} pod (allowed +{allowed * 1000:.1f} ms)",
        )

    async def rollback(ctx: ExperimentContext) -> None:
        await faults.stop_hogs()

    async def verify(ctx: ExperimentContext) -> None:
        leftover = [hog.pid for hog in faults.hogs if hog.poll() is None]
        ctx.check(not leftover, f"hog workers still running: {leftover}")
        outcome = await probe.call(*CALL)
        ctx.check(outcome.ok, f"the gateway does not answer after the hog: {outcome.describe()}")

    return Experiment(
        name=NAME,
        description=f"{WORKERS} workers hog CPU in the {POD} pod: the gateway's p50 stays within 20 % "
        "(quiet and hogged windows interleaved)",
        hypothesis=hypothesis,
        inject=inject,
        observe=observe,
        rollback=rollback,
        verify=verify,
        cleanup=closing(probe),
        step_timeout_s=20.0,
    )


async def compare() -> list[dict[str, object]]:
    """The experiment with the guard and without it, one deployment each (what the test runs)."""
    rows: list[dict[str, object]] = []
    for limit in (POD_CPU_LIMIT_MILLICORES, None):
        async with launch_processes(launch_options(limit), process_options()) as deployment:
            result = await run_experiment(build(deployment))
        rows.append({"verdict": str(result.verdict), "reason": result.reason, **result.measurements})
    return rows


if __name__ == "__main__":  # python -m harness.pod_experiments.cpu_hog: one JSON line per variant
    for row in anyio.run(compare):
        print(json.dumps(row))
