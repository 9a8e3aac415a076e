"""What a process launch is configured with and what it yields: placements, options, the running deployment.

Apart from the launcher (:mod:`harness.launch.process`) so the netns runner and the commands can name them
without the launcher's machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from harness.fakes.redis_server import free_port
from harness.launch.cgroups import CFS_PERIOD_US, CpuLimits
from harness.launch.options import Deployment, Endpoints
from harness.launch.pod_faults import PodFaults
from harness.launch.supervisor import PodOptions, RestartPolicy, Supervisor
from harness.topology import Service

if TYPE_CHECKING:  # netns builds on the process runner
    from harness.launch.netns import NamespaceNetwork


@dataclass(frozen=True)
class Placement:
    """Where a service listens (and is dialled), and the network namespace it runs in, if any."""

    host: str
    port: int
    netns: str | None = None

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def loopback_placement(service: Service) -> Placement:
    return Placement(host=service.host, port=service.port or free_port(service.host))


@dataclass
class ProcessOptions:
    run_dir: Path | None = None  # logs, configs and certificates; a temporary directory when None
    pod: PodOptions = field(default_factory=PodOptions)
    restart_policies: dict[str, RestartPolicy] = field(default_factory=dict)
    place: Callable[[Service], Placement] = loopback_placement
    allowed_hosts: list[str] = field(default_factory=list)  # extra Host headers the services accept
    cpu_period_us: int = CFS_PERIOD_US  # CFS period of the pods' CPU limits (the kubelet's default)


class PodRow(BaseModel):
    name: str
    pid: int | None
    state: str
    restarts: int
    log: str


class ProcessEndpoints(Endpoints):
    """:class:`Endpoints` plus the pod-fault API and the run directory (logs, configs)."""

    fault_api: str | None = None
    run_dir: str | None = None


@dataclass
class ProcessDeployment(Deployment):
    supervisor: Supervisor | None = None
    faults: PodFaults | None = None
    run_dir: Path | None = None
    network: NamespaceNetwork | None = None  # under the netns runner
    cpu_limits: CpuLimits | None = None  # the pods' CPU-limited cgroups, when any service has a limit

    def pod_rows(self) -> list[PodRow]:
        assert self.supervisor is not None
        return [
            PodRow(name=p.name, pid=p.pid, state=str(p.state), restarts=p.restarts, log=str(p.spec.log_path))
            for p in self.supervisor.pods.values()
        ]
