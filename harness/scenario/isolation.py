"""The ``isolation_matrix`` step: every ordered pair of services (and an outside caller) dialled from
inside the source's namespace, compared with the edges the topology allows (netns runner only).

It measures ``<as>.unexpected`` (pairs that connected but must not: a rule too wide) and
``<as>.missing`` (allowed pairs that did not connect), each noted pair by pair so a failure names it,
plus ``<as>.pairs`` tried and ``<as>.allowed`` edges.
"""

from __future__ import annotations

from pydantic import Field

from harness.scenario.context import RunContext, StepError
from harness.scenario.fields import Seconds, Strict


class MatrixArgs(Strict):
    timeout: Seconds = Field(60.0, description="bound on dialling every pair")


def pair(p: tuple[str, str], outcome: str) -> str:
    return f"{p[0]} → {p[1]} {outcome}"


async def isolation_matrix(ctx: RunContext, args: MatrixArgs, label: str) -> None:
    from harness.launch.netns_reach import measure_matrix

    network = ctx.reached.network
    if network is None:
        raise StepError("isolation_matrix needs topology.runner: netns (services in their own namespaces)")
    matrix = await measure_matrix(network, args.timeout)
    unexpected = [pair(p, "connected, but the topology does not allow it") for p in matrix.unexpected]
    missing = [pair(p, f"{matrix.seen[p]}, but the topology allows it") for p in matrix.missing]
    ctx.record.measure(f"{label}.unexpected", len(unexpected), unexpected)
    ctx.record.measure(f"{label}.missing", len(missing), missing)
    ctx.record.measure(f"{label}.pairs", len(matrix.seen))
    ctx.record.measure(f"{label}.allowed", len(matrix.allowed))
