"""CPU limits as cgroups: the quota the kubelet would set, a child that joins its group before exec, stale
groups of a dead launcher removed, every group removed at the end; a clear reason where none can be made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from harness.launch import cgroups
from harness.launch.cgroups import CpuLimits, cpu_limit_unavailable_reason
from harness.launch.child import ChildProcess, ChildSpec
from harness.topology import Service, reference_topology

REASON = cpu_limit_unavailable_reason()
needs_cgroups = pytest.mark.skipif(REASON is not None, reason=REASON or "")


def test_no_root_no_limits_and_the_reason_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cgroups.os, "geteuid", lambda: 1000)
    assert "root" in (cpu_limit_unavailable_reason() or "")
    with pytest.raises(cgroups.CpuLimitUnavailable, match="root"):
        CpuLimits.open()


def test_a_cfs_period_outside_what_the_kernel_takes_is_refused() -> None:
    with pytest.raises(ValueError, match="1 ms to 1 s"):
        CpuLimits.open(period_us=500)


def quota_of(limits: CpuLimits, group: Path) -> tuple[str, str]:
    if limits.hierarchy.version == 2:
        quota, period = (group / "cpu.max").read_text().split()
        return quota, period
    return (group / "cpu.cfs_quota_us").read_text().strip(), (group / "cpu.cfs_period_us").read_text().strip()


@needs_cgroups
def test_the_quota_is_the_kubelets_and_lifting_it_means_no_limit() -> None:
    limits = CpuLimits.open(period_us=10_000)
    try:
        group = limits.group_for("toy", 250)
        assert group.name == f"mcph{os.getpid()}-toy"
        assert quota_of(limits, group) == ("2500", "10000")  # 250m of a 10 ms period
        assert limits.group_for("toy", 999) == group  # a restarted pod joins the same group
        limits.set_limit("toy", None)
        assert quota_of(limits, group)[0] in ("-1", "max")
    finally:
        assert limits.remove_all() == []
    assert not group.exists()


@needs_cgroups
def test_a_child_joins_its_group_before_exec_and_the_group_goes_when_it_is_gone(tmp_path: Path) -> None:
    limits = CpuLimits.open()
    try:
        group = limits.group_for("toy", 100)
        spec = ChildSpec(
            name="toy",
            argv=[sys.executable, "-c", "print(open('/proc/self/cgroup').read())"],
            log_path=tmp_path / "toy.log",
            cgroup=group,
        )
        child = ChildProcess(spec)
        assert child.popen.wait(timeout=20) == 0
        assert f"/{group.name}" in (tmp_path / "toy.log").read_text()
    finally:
        assert limits.remove_all() == []


@needs_cgroups
def test_stale_groups_of_a_dead_launcher_are_removed_and_live_ones_kept() -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(dead.stdout)
    limits = CpuLimits.open()
    stale = limits.hierarchy.root / f"mcph{dead_pid}-knowledge"
    stale.mkdir()
    mine = limits.group_for("weather", 500)
    try:
        assert stale in cgroups.delete_stale_groups(limits.hierarchy)
        assert not stale.exists() and mine.exists()
    finally:
        limits.remove_all()
        if stale.exists():
            stale.rmdir()


def test_cpu_limits_in_the_topology_name_known_services_and_positive_millicores() -> None:
    topology = reference_topology(cpu_limits={"knowledge": 250})
    assert topology.service("knowledge").cpu_limit_millicores == 250
    assert topology.service("weather").cpu_limit_millicores is None
    with pytest.raises(ValueError, match="unknown services"):
        reference_topology(cpu_limits={"nope": 100})
    with pytest.raises(ValidationError):
        Service(name="weather", kind="server", cpu_limit_millicores=0)
