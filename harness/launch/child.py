"""One OS process of a deployment: spawned in its own process group, logging to its own file, never orphaned.

Orphans are prevented twice, because either guard alone has a hole:

* ``PR_SET_PDEATHSIG(SIGKILL)`` (set in the child between fork and exec) makes the kernel kill the child
  the moment the launcher dies — even by SIGKILL, which runs no Python clean-up at all. The child checks
  that its parent is still the launcher right after setting it, closing the fork→prctl race. The signal
  fires when the *thread* that forked exits, so children are spawned from the event loop's thread.
* Each child leads its own process group (``setsid``), so stopping signals the whole group (anything the
  service forked dies with it) and a terminal's Ctrl-C reaches only the launcher, which then stops its
  children in order (SIGTERM, then SIGKILL after the grace period).

``netns`` names a network namespace (``/run/netns/NAME``) the child enters before exec, so the pid we
hold is the service itself, not an ``ip netns exec`` wrapper; ``cgroup`` a cgroup directory (the pod's CPU
limit, :mod:`harness.launch.cgroups`) it joins before exec, so nothing it runs escapes the limit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PR_SET_PDEATHSIG = 1
CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class ChildSpec:
    """What to run: argv, extra environment, where its output goes, optionally a network namespace."""

    name: str
    argv: Sequence[str]
    log_path: Path
    env: Mapping[str, str] = field(default_factory=dict)
    netns: str | None = None
    cpus: frozenset[int] | None = None  # CPU affinity: the pod's CPU budget (inherited by what it forks)
    cgroup: Path | None = None  # a cgroup directory to join (the pod's CPU limit)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _preexec(
    launcher_pid: int, netns: str | None, cpus: frozenset[int] | None, cgroup: Path | None
) -> Callable[[], None]:
    """Runs in the child after fork: own session, die with the launcher, enter the namespace and cgroup."""
    procs = str(cgroup / "cgroup.procs") if cgroup is not None else None

    def setup() -> None:
        os.setsid()
        libc = _libc()
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != launcher_pid:  # the launcher died before prctl: do not start orphaned
            os._exit(1)
        if netns is not None:
            fd = os.open(f"/run/netns/{netns}", os.O_RDONLY)
            if libc.setns(fd, CLONE_NEWNET) != 0:
                os._exit(3)
            os.close(fd)
        if cpus:
            os.sched_setaffinity(0, cpus)
        if procs is not None:
            try:
                fd = os.open(procs, os.O_WRONLY)
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
            except OSError:
                os._exit(4)  # never run a CPU-limited pod without its limit

    return setup


class ChildProcess:
    """A started child: signal it (as a group), wait for it, stop it gracefully."""

    def __init__(self, spec: ChildSpec) -> None:
        self.spec = spec
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        with spec.log_path.open("ab") as log:
            log.write(f"--- start {time.strftime('%H:%M:%S')}: {' '.join(spec.argv)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                list(spec.argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **spec.env},
                preexec_fn=_preexec(os.getpid(), spec.netns, spec.cpus, spec.cgroup),
                close_fds=True,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def poll(self) -> int | None:
        return self.popen.poll()

    def signal_group(self, signum: int) -> bool:
        """Send ``signum`` to the child's process group; False when it is already gone."""
        try:
            os.killpg(self.popen.pid, signum)
        except ProcessLookupError:
            return False
        return True

    def stop(self, grace_s: float) -> int:
        """SIGTERM (and SIGCONT, so a frozen child can act on it), then SIGKILL after ``grace_s``."""
        if self.popen.poll() is None:
            self.signal_group(signal.SIGTERM)
            self.signal_group(signal.SIGCONT)
            try:
                self.popen.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
        self.signal_group(signal.SIGKILL)  # whatever the service forked dies too
        return self.popen.wait(timeout=5)
