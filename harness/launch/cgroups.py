"""CPU limits per pod, as Kubernetes enforces ``resources.limits.cpu``: a cgroup with a CFS quota.

A service with ``cpu_limit_millicores`` (see :class:`~harness.topology.Service`) gets its own cgroup,
``mcph<launcher pid>-<pod>``, whose quota is ``millicores / 1000`` CPUs per CFS period (100 ms unless
given, as the kubelet's ``cpuCFSQuotaPeriod``) — the kubelet's arithmetic for ``limits.cpu``. Only the
limit is modelled: the group keeps the default weight (a CPU *request* would also set ``cpu.shares``; no
pod here has one). The pod's process joins it between fork and exec (so whatever the service forks is
inside too), a restarted process joins it again, and the ``cpu-hog`` fault burns inside it, as a stress
sidecar in the same pod would. cgroup v2 (``cpu.max``) is used where its cpu controller is
available, else cgroup v1's ``cpu`` hierarchy (``cpu.cfs_quota_us``). Groups are removed when the launch
ends; groups left by a launcher that was SIGKILLed are removed by the next launch (like netns does).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

CFS_PERIOD_US = 100_000  # the kubelet's default period (its cpuCFSQuotaPeriod)
CGROUP_FS = Path("/sys/fs/cgroup")
_OURS = re.compile(r"^mcph(\d+)-")


class CpuLimitUnavailable(RuntimeError):
    """A CPU limit was asked for but this machine cannot enforce one (the message says why)."""


@dataclass(frozen=True)
class CpuHierarchy:
    """Where CPU-limited groups are created, and which cgroup interface it speaks."""

    root: Path
    version: Literal[1, 2]

    def write_quota(self, group: Path, millicores: int | None, period_us: int = CFS_PERIOD_US) -> None:
        """Set the group's quota; ``None`` lifts it (a pod without ``limits.cpu``)."""
        if millicores is None:
            quota = "max" if self.version == 2 else "-1"
        else:  # the kernel's minimum quota is 1 ms
            quota = str(max(1000, millicores * period_us // 1000))
        if self.version == 2:
            (group / "cpu.max").write_text(f"{quota} {period_us}")
        else:
            (group / "cpu.cfs_period_us").write_text(str(period_us))
            (group / "cpu.cfs_quota_us").write_text(quota)


def _cgroup2_root() -> Path | None:
    """The cgroup2 mount whose cpu controller children may use (enabling it if needed), if any."""
    for line in Path("/proc/self/mounts").read_text().splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[2] != "cgroup2":
            continue
        root = Path(parts[1])
        try:
            if "cpu" not in (root / "cgroup.controllers").read_text().split():
                continue
            if "cpu" not in (root / "cgroup.subtree_control").read_text().split():
                (root / "cgroup.subtree_control").write_text("+cpu")
        except OSError:
            continue
        return root
    return None


def find_cpu_hierarchy() -> CpuHierarchy | str:
    """The hierarchy to create groups in, or why none is usable (tried by writing a real quota)."""
    if os.geteuid() != 0:
        return "CPU limits need root to create cgroups (run as root, as CI does)"
    candidates: list[CpuHierarchy] = []
    try:
        v2 = _cgroup2_root()
    except OSError:
        v2 = None
    if v2 is not None:
        candidates.append(CpuHierarchy(v2, 2))
    v1 = CGROUP_FS / "cpu"
    if (v1 / "cpu.cfs_quota_us").exists():
        candidates.append(CpuHierarchy(v1, 1))
    if not candidates:
        return f"no cgroup cpu controller found (neither cgroup2 with cpu nor {v1})"
    reasons = []
    for hierarchy in candidates:
        probe = hierarchy.root / f"mcph{os.getpid()}-probe"
        try:
            probe.mkdir(exist_ok=True)
            hierarchy.write_quota(probe, 100)
            return hierarchy
        except OSError as exc:
            reasons.append(f"cgroup v{hierarchy.version} at {hierarchy.root}: {exc.strerror or exc}")
        finally:
            _rmdir(probe)
    return "cannot create a CPU-limited cgroup: " + "; ".join(reasons)


def cpu_limit_unavailable_reason() -> str | None:
    """None when CPU limits can be enforced here; otherwise why not."""
    found = find_cpu_hierarchy()
    return found if isinstance(found, str) else None


def _rmdir(group: Path, within_s: float = 2.0) -> bool:
    """Remove a group; its last processes may take a moment to leave after they were killed."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            group.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


def delete_stale_groups(hierarchy: CpuHierarchy) -> list[Path]:
    """Remove groups a previous launcher (now dead) left behind; returns those removed."""
    removed = []
    for group in hierarchy.root.iterdir():
        match = _OURS.match(group.name)
        dead = match is not None and not os.path.exists(f"/proc/{match.group(1)}")
        if dead and group.is_dir() and _rmdir(group, within_s=0.2):
            removed.append(group)
    return removed


@dataclass
class CpuLimits:
    """The CPU-limited groups of one launch: created on demand, all removed by :meth:`remove_all`."""

    hierarchy: CpuHierarchy
    period_us: int = CFS_PERIOD_US
    prefix: str = field(default_factory=lambda: f"mcph{os.getpid()}-")
    groups: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def open(cls, period_us: int = CFS_PERIOD_US) -> CpuLimits:
        """Find the hierarchy and clear stale groups; raises :class:`CpuLimitUnavailable` with the reason."""
        if not 1000 <= period_us <= 1_000_000:
            raise ValueError(f"a CFS period is 1 ms to 1 s, not {period_us} µs")
        found = find_cpu_hierarchy()
        if isinstance(found, str):
            raise CpuLimitUnavailable(found)
        delete_stale_groups(found)
        return cls(found, period_us)

    def group_for(self, pod: str, millicores: int) -> Path:
        """The pod's group with its quota set (created once; a restarted pod joins the same group)."""
        if pod not in self.groups:
            group = self.hierarchy.root / f"{self.prefix}{pod}"
            group.mkdir(exist_ok=True)
            self.groups[pod] = group
            self.hierarchy.write_quota(group, millicores, self.period_us)
        return self.groups[pod]

    def set_limit(self, pod: str, millicores: int | None) -> None:
        """Change a running pod's limit in place (``None``: unlimited), as an in-place pod resize does."""
        self.hierarchy.write_quota(self.groups[pod], millicores, self.period_us)

    def throttled_periods(self, pod: str) -> int:
        """Periods in which the pod's group hit its quota (``nr_throttled``: the limit at work)."""
        stat = (self.groups[pod] / "cpu.stat").read_text().split()
        return int(dict(zip(stat[::2], stat[1::2], strict=False)).get("nr_throttled", 0))

    def remove_all(self) -> list[Path]:
        """Remove every group of this launch; returns those that would not go (processes still inside)."""
        left = [group for group in self.groups.values() if not _rmdir(group)]
        self.groups.clear()
        return left
