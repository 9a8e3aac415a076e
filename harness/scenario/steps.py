"""Running a timeline: one handler per step kind, every one bounded, every fault recorded as a window."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from harness.scenario.agent_model import AgentStep
from harness.scenario.agent_turns import agent_step
from harness.scenario.context import RunContext, StepError
from harness.scenario.gateway_probe import metric_value
from harness.scenario.matching import matches
from harness.scenario.record import CallRecord, Poll
from harness.scenario.timeline import AddToxic, Breaker, Call, PodFault, RemoveToxic, Step, Use

BREAKER_METRIC = "mcph_client_breaker_state"
BREAKER_STATES = {0.0: "closed", 1.0: "open", 2.0: "half_open"}
WRONG_KEY = "Bearer not-a-key"


def describe(step: Step) -> str:
    if step.title:
        return step.title
    kind, value = step.action()
    if isinstance(value, AddToxic):
        return f"toxic {value.type} on {value.proxy} ({value.stream}) {value.attributes or ''}".strip()
    if isinstance(value, RemoveToxic):
        return f"remove toxic {value.name} from {value.proxy}"
    if isinstance(value, Call):
        return f"{value.times}× {value.tool} as {value.as_}" + (" until ok" if value.until else "")
    if isinstance(value, PodFault):
        return f"pod fault {value.fault} on {value.service}"
    if isinstance(value, AgentStep):
        return f"agent as {value.as_}: {value.message}"
    if isinstance(value, Use):
        return f"{value.step}" + (f" as {value.as_}" if value.as_ else "")
    if kind in ("parallel", "sequence"):
        return f"{kind}: " + "; ".join(describe(s) for s in value)
    if kind == "wait":
        return f"wait {value:g} s"
    return f"{kind} {value if isinstance(value, str) else ''}".strip()


async def run_steps(steps: list[Step], ctx: RunContext) -> None:
    for step in steps:
        await run_step(step, ctx)


async def run_step(step: Step, ctx: RunContext) -> None:
    kind, value = step.action()
    ctx.record.note_step(describe(step))
    await HANDLERS[kind](value, ctx)


async def add_toxic(toxic: AddToxic, ctx: RunContext) -> None:
    await ctx.toxiproxy().add_toxic(
        toxic.proxy,
        toxic.type,
        name=toxic.toxic_name,
        stream=toxic.stream,
        toxicity=toxic.toxicity,
        attributes=toxic.attributes,
    )
    ctx.toxics.append((toxic.proxy, toxic.toxic_name))
    ctx.record.open_window(toxic.toxic_name, toxic.type, toxic.proxy)


async def remove_toxic(toxic: RemoveToxic, ctx: RunContext) -> None:
    await ctx.toxiproxy().remove_toxic(toxic.proxy, toxic.name)
    if (toxic.proxy, toxic.name) in ctx.toxics:
        ctx.toxics.remove((toxic.proxy, toxic.name))
    ctx.record.close_window(toxic.name, toxic.proxy)


async def disable(proxy: str, ctx: RunContext) -> None:
    await ctx.toxiproxy().disable_proxy(proxy)
    ctx.disabled.append(proxy)
    ctx.record.open_window("disabled", "disabled", proxy)


async def enable(proxy: str, ctx: RunContext) -> None:
    await ctx.toxiproxy().enable_proxy(proxy)
    if proxy in ctx.disabled:
        ctx.disabled.remove(proxy)
    ctx.record.close_window("disabled", proxy)


async def pod_fault(fault: PodFault, ctx: RunContext) -> None:
    faults = ctx.reached.pod_faults
    if faults is None:
        raise StepError("pod faults need the process runner: set topology.runner: process")
    from harness.launch.pod_faults import FaultParams

    params = FaultParams(duration_s=fault.duration, workers=fault.workers)
    await faults.apply(fault.fault, fault.service, params)
    record = ctx.record
    if fault.fault == "freeze":
        ctx.frozen.append(fault.service)
        record.open_window("frozen", "freeze", fault.service)
    elif fault.fault == "thaw":
        if fault.service in ctx.frozen:
            ctx.frozen.remove(fault.service)
        record.close_window("frozen", fault.service)
    else:
        record.open_window(fault.fault, fault.fault, fault.service)
        length = fault.duration if fault.fault == "cpu-hog" else 0.0
        record.windows[-1].end = record.windows[-1].start + length


async def wait(seconds: float, ctx: RunContext) -> None:
    await anyio.sleep(seconds)  # a scenario's own pause (e.g. let a breaker window pass), not a sync


def authorization(call: Call) -> str | None:
    return {"key": None, "none": "", "wrong": WRONG_KEY}[call.auth]


async def one_call(call: Call, ctx: RunContext, n: int, arguments: dict[str, Any]) -> CallRecord:
    t = ctx.record.now()
    outcome = await ctx.probe.call(
        call.tool, arguments, timeout_s=call.timeout, authorization=authorization(call)
    )
    record = CallRecord(call.as_, t, arguments, outcome)
    ctx.record.calls.append(record)
    return record


async def calls(call: Call, ctx: RunContext) -> None:
    if call.until is not None:
        await poll_calls(call, ctx)
        return
    planned = [(n, ctx.render(call.arguments, n, call.as_)) for n in range(call.times)]
    queue = iter(planned)
    seen = 0

    async def worker() -> None:
        nonlocal seen
        for n, arguments in queue:
            if call.stop_after is not None and seen >= call.stop_after.count:
                return
            record = await one_call(call, ctx, n, arguments)
            if call.stop_after is not None and record.names(call.stop_after.code):
                seen += 1

    async with anyio.create_task_group() as tg:
        for _ in range(min(call.concurrency, call.times)):
            tg.start_soon(worker)


async def poll_calls(call: Call, ctx: RunContext) -> None:
    started = time.perf_counter()
    n = 0
    while True:
        record = await one_call(call, ctx, n, ctx.render(call.arguments, n, call.as_))
        n += 1
        elapsed = time.perf_counter() - started
        done = record.ok and (
            call.until_matches is None or matches(call.until_matches, record.outcome.structured)
        )
        if done or elapsed + call.interval > call.within:
            ctx.record.polls[call.as_] = Poll(done, elapsed, n)
            return
        await anyio.sleep(call.interval)


async def breaker_state(upstream: str, ctx: RunContext) -> str | None:
    response = await ctx.probe.get("/metrics")
    if response.status_code != 200:
        return None
    value = metric_value(response.text, BREAKER_METRIC, {"upstream": upstream})
    return BREAKER_STATES.get(value) if value is not None else None


async def breaker(step: Breaker, ctx: RunContext) -> None:
    started = time.perf_counter()
    readings = ctx.record.readings.setdefault(step.as_, [])
    while True:
        state = await breaker_state(step.upstream, ctx)
        readings.append((ctx.record.now(), state))
        elapsed = time.perf_counter() - started
        if step.until is None or state == step.until or elapsed + 0.1 > step.within:
            if step.until is not None:
                ctx.record.polls[step.as_] = Poll(state == step.until, elapsed, len(readings))
            return
        await anyio.sleep(0.1)


async def use(step: Use, ctx: RunContext) -> None:
    from harness.scenario.named import run_named

    await run_named(step, ctx)


async def load(step: Any, ctx: RunContext) -> None:
    from harness.scenario.load_phase import run_load_phase

    await run_load_phase(step, ctx)


async def parallel(steps: list[Step], ctx: RunContext) -> None:
    async with anyio.create_task_group() as tg:
        for step in steps:
            tg.start_soon(run_step, step, ctx)


HANDLERS: dict[str, Callable[[Any, RunContext], Awaitable[None]]] = {
    "toxic": add_toxic,
    "remove_toxic": remove_toxic,
    "disable": disable,
    "enable": enable,
    "pod": pod_fault,
    "wait": wait,
    "call": calls,
    "breaker": breaker,
    "use": use,
    "load": load,
    "agent": agent_step,
    "parallel": parallel,
    "sequence": run_steps,
}


async def undo_faults(ctx: RunContext) -> list[str]:
    """Remove the toxics, re-enable the proxies and thaw the pods this run left; returns what failed."""
    problems = []
    for proxy, name in list(ctx.toxics):
        try:
            await remove_toxic(RemoveToxic(proxy=proxy, name=name), ctx)
        except Exception as exc:
            problems.append(f"could not remove toxic {name} from {proxy}: {exc}")
    for proxy in list(ctx.disabled):
        try:
            await enable(proxy, ctx)
        except Exception as exc:
            problems.append(f"could not re-enable {proxy}: {exc}")
    for service in list(ctx.frozen):
        try:
            await pod_fault(PodFault(fault="thaw", service=service, duration=10.0, workers=1), ctx)
        except Exception as exc:
            problems.append(f"could not thaw {service}: {exc}")
    ctx.record.close_all()
    return problems
