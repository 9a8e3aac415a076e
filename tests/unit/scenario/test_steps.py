"""Timeline steps against fakes: faults tracked and undone, calls planned from the seed, gates that say why."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from harness.scenario.context import RunContext, StepError
from harness.scenario.deploy import Reached
from harness.scenario.gateway_probe import CallOutcome
from harness.scenario.steps import run_steps, undo_faults
from harness.scenario.timeline import Step


class FakeToxiproxy:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    async def add_toxic(self, proxy: str, type: str, **kwargs: Any) -> None:
        self.calls.append(("add", proxy, kwargs["name"]))

    async def remove_toxic(self, proxy: str, toxic: str) -> None:
        self.calls.append(("remove", proxy, toxic))

    async def disable_proxy(self, name: str) -> None:
        self.calls.append(("disable", name))

    async def enable_proxy(self, name: str) -> None:
        self.calls.append(("enable", name))


class FakeProbe:
    """Answers circuit_open from the third call on; records the arguments it was sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def call(self, tool: str, arguments: dict[str, Any] | None = None, **kwargs: Any) -> CallOutcome:
        self.sent.append(dict(arguments or {}))
        if len(self.sent) > 2:
            return CallOutcome(tool, 0.001, 200, is_error=True, text="circuit_open: rejected")
        return CallOutcome(tool, 0.01, 200, structured={})


def context(seed: int = 3, toxiproxy: FakeToxiproxy | None = None) -> tuple[RunContext, FakeProbe]:
    probe = FakeProbe()
    reached = Reached("http://gateway/mcp", "key", toxiproxy)
    return RunContext(reached, probe, seed, "tag"), probe  # type: ignore[arg-type]


def steps(*items: dict[str, Any]) -> list[Step]:
    return [Step.model_validate(item) for item in items]


def test_faults_left_on_are_undone_and_their_windows_closed() -> None:
    proxy = FakeToxiproxy()
    ctx, _ = context(toxiproxy=proxy)
    timeline = steps(
        {
            "toxic": {
                "proxy": "client-weather",
                "type": "latency",
                "name": "slow",
                "attributes": {"latency": 5},
            }
        },
        {"disable": "weather-api"},
        {"toxic": {"proxy": "wallet-redis", "type": "reset_peer"}},
        {"remove_toxic": {"proxy": "wallet-redis", "name": "reset_peer_downstream"}},
    )
    anyio.run(run_steps, timeline, ctx)
    assert [w.end for w in ctx.record.windows].count(None) == 2
    assert anyio.run(undo_faults, ctx) == []
    assert proxy.calls[-2:] == [("remove", "client-weather", "slow"), ("enable", "weather-api")]
    assert all(w.end is not None for w in ctx.record.windows) and not ctx.toxics and not ctx.disabled


def test_stop_after_ends_the_repetition_and_arguments_come_from_the_seed() -> None:
    def sent(seed: int) -> list[dict[str, Any]]:
        ctx, probe = context(seed)
        call = {"tool": "t", "as": "c", "times": 10, "stop_after": {"code": "circuit_open", "count": 2}}
        call["arguments"] = {"x": "{uniform:0:100}", "id": "{run}-{n}"}
        anyio.run(run_steps, steps({"call": call}), ctx)
        assert len(ctx.record.labelled("c")) == 4  # two ok, then two circuit_open
        return probe.sent

    assert sent(3) == sent(3) and sent(3) != sent(4)
    assert sent(3)[1]["id"] == "tag-1"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"pod": {"fault": "kill", "service": "knowledge"}}, "pod faults need the process runner"),
        ({"disable": "weather-api"}, "no fault proxy API"),
    ],
)
def test_steps_that_cannot_run_here_say_why(item: dict[str, Any], message: str) -> None:
    ctx, _ = context()
    with pytest.raises(StepError, match=message):
        anyio.run(run_steps, steps(item), ctx)


def test_errors_of_parallel_steps_are_all_named_once() -> None:
    from harness.scenario.runner import describe_error

    group = ExceptionGroup(
        "tg", [StepError("no proxy"), ExceptionGroup("inner", [ValueError("bad")]), StepError("no proxy")]
    )
    assert describe_error(group) == "no proxy; ValueError: bad"
    assert describe_error(ExceptionGroup("one", [TimeoutError()])) == "TimeoutError: "
