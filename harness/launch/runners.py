"""Pick a runner by name: ``process`` (default: one supervised OS process per service, like pods),
``inprocess`` (one event loop: fast fixtures) or ``netns`` (processes in their own network namespaces
behind default-deny nftables rules; root only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal, get_args

from harness.launch.agent_llm import simulated_llm_options
from harness.launch.inprocess import Deployment, LaunchOptions, launch
from harness.launch.netns import launch_in_namespaces, netns_unavailable_reason
from harness.launch.process import ProcessOptions, launch_processes

RunnerName = Literal["process", "inprocess", "netns"]
RUNNERS: tuple[str, ...] = get_args(RunnerName)


class RunnerUnavailable(RuntimeError):
    """The chosen runner cannot run here (the message says why)."""


def parse_runner(value: str) -> RunnerName:
    if value not in RUNNERS:
        raise ValueError(f"--runner must be one of {', '.join(RUNNERS)}, not {value!r}")
    return value  # type: ignore[return-value]


@asynccontextmanager
async def launch_with(
    runner: RunnerName, options: LaunchOptions, process_options: ProcessOptions | None = None
) -> AsyncIterator[Deployment]:
    if runner == "inprocess":
        async with launch(options) as deployment:
            yield deployment
        return
    if options.backends == "docker":
        raise RunnerUnavailable(f"--backends docker runs with --runner inprocess only, not {runner}")
    if runner == "process":
        async with (
            simulated_llm_options(options) as (options, llm),  # the client's agent gets a model
            launch_processes(options, process_options) as deployment,
        ):
            deployment.endpoints.llm = llm
            yield deployment
    else:
        reason = netns_unavailable_reason()
        if reason is not None:
            raise RunnerUnavailable(f"the netns runner cannot run here: {reason}")
        async with launch_in_namespaces(options, process_options) as deployment:
            yield deployment
