"""Pod faults, named as users know them from Chaos Mesh (PodChaos, StressChaos) and Pumba.

* ``kill``    SIGKILL to the pod's process group; the supervisor restarts it per its restart policy.
* ``stop``    SIGTERM: a graceful exit (code 0) — ``Always`` restarts it, ``OnFailure``/``Never`` do not.
* ``freeze``  SIGSTOP: the pod hangs, its sockets stay open and accept nothing (Pumba ``pause``).
* ``thaw``    SIGCONT: the frozen pod resumes where it stopped.
* ``cpu-hog`` ``workers`` busy processes beside the service for ``duration_s``, inside the pod's cgroup
  (its CPU limit, when it has one) and with its CPU affinity, like a stress sidecar in the same pod.
* ``restart`` graceful stop, then an immediate start (no back-off), whatever the policy.

Errors are typed: :class:`UnknownPod` and :class:`BadFault` (mapped to 404 / 400 by the HTTP API and to
exit code 2 by the CLI).
"""

from __future__ import annotations

import enum
import os
import signal
import sys
from pathlib import Path

import anyio
from pydantic import BaseModel, Field

from harness.launch.child import ChildProcess, ChildSpec
from harness.launch.supervisor import Pod, Supervisor

BURN = "import time\nend = time.monotonic() + {duration}\nwhile time.monotonic() < end:\n    pass\n"


class PodFault(enum.StrEnum):
    KILL = "kill"
    STOP = "stop"
    FREEZE = "freeze"
    THAW = "thaw"
    CPU_HOG = "cpu-hog"
    RESTART = "restart"


class UnknownPod(KeyError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.message = f"no pod named {name!r}; known: {', '.join(known)}"


class BadFault(ValueError):
    """A fault that cannot be applied as asked (the message says why)."""


class FaultParams(BaseModel):
    duration_s: float = Field(default=10.0, gt=0, le=300, description="cpu-hog: how long to burn")
    workers: int = Field(default=1, ge=1, le=16, description="cpu-hog: busy processes")


class FaultResult(BaseModel):
    pod: str
    fault: PodFault
    pid: int | None
    detail: str


class PodFaults:
    """Applies pod faults to a supervisor's pods; keeps the hogs it started so they can be stopped."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        self.hogs: list[ChildProcess] = []

    def pod(self, name: str) -> Pod:
        pod = self.supervisor.pods.get(name)
        if pod is None:
            raise UnknownPod(name, sorted(self.supervisor.pods))
        return pod

    async def apply(self, fault: PodFault | str, name: str, params: FaultParams | None = None) -> FaultResult:
        try:
            kind = PodFault(fault)
        except ValueError:
            raise BadFault(
                f"unknown fault {fault!r}; choose from {', '.join(f.value for f in PodFault)}"
            ) from None
        pod = self.pod(name)
        params = params or FaultParams()
        process = pod.process
        if (process is None or process.poll() is not None) and kind is not PodFault.RESTART:
            raise BadFault(f"pod {name} has no running process (state {pod.state}) to {kind.value}")
        pid = pod.pid
        if kind is PodFault.RESTART:
            await pod.restart()
            return FaultResult(pod=name, fault=kind, pid=pid, detail="stopped gracefully; starting again now")
        assert process is not None
        if kind is PodFault.CPU_HOG:
            started = self._start_hogs(pod, params)  # on the loop's thread: see Pod.run on PDEATHSIG
            return FaultResult(
                pod=name,
                fault=kind,
                pid=pid,
                detail=f"{params.workers} busy process(es) {started} for {params.duration_s:g} s",
            )
        signum = {
            PodFault.KILL: signal.SIGKILL,
            PodFault.STOP: signal.SIGTERM,
            PodFault.FREEZE: signal.SIGSTOP,
            PodFault.THAW: signal.SIGCONT,
        }[kind]
        process.signal_group(signum)
        return FaultResult(pod=name, fault=kind, pid=pid, detail=f"sent {signum.name} to process group {pid}")

    def _start_hogs(self, pod: Pod, params: FaultParams) -> list[int]:
        assert pod.pid is not None
        cpus = frozenset(os.sched_getaffinity(pod.pid))
        self.hogs = [h for h in self.hogs if h.poll() is None]
        started = []
        for index in range(params.workers):
            spec = ChildSpec(
                name=f"{pod.name}-cpu-hog-{index}",
                argv=[sys.executable, "-c", BURN.format(duration=params.duration_s)],
                log_path=Path(pod.spec.log_path).with_name(f"{pod.name}-cpu-hog.log"),
                cpus=cpus,
                cgroup=pod.spec.cgroup,  # the pod's CPU limit binds the hog too
            )
            hog = ChildProcess(spec)
            self.hogs.append(hog)
            started.append(hog.pid)
        return started

    async def stop_hogs(self) -> None:
        hogs, self.hogs = self.hogs, []
        for hog in hogs:
            await anyio.to_thread.run_sync(hog.stop, 0.5)
