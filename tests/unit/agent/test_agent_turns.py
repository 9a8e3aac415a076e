"""The agent against the simulated LLM: multi-step tasks, and every misbehaviour ends in an answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import pytest

from client.errors import UpstreamUnavailable
from harness.fakes.llm_policy import Misbehaviour

pytestmark = pytest.mark.anyio


async def unavailable_weather(arguments: dict[str, Any]) -> dict[str, Any]:
    raise UpstreamUnavailable("weather is unreachable", upstream="weather")


TASK = "weather in Paris, then pay 5 EUR from alice to bob"


@pytest.mark.parametrize("streaming", [False, True])
async def test_two_tasks_run_the_right_tools_in_order_and_the_answer_quotes_them(
    rig_factory: Callable[..., Any], streaming: bool
) -> None:
    rig = rig_factory(streaming=streaming)
    with anyio.fail_after(20):
        result = await rig.agent.run(TASK)
    assert [name for name, _ in rig.source.calls] == ["weather__get_weather", "wallet__transfer"]
    assert rig.source.calls[0][1] == {"city": "Paris"}
    transfer = rig.source.calls[1][1]
    assert (transfer["from_account"], transfer["to_account"], transfer["amount"]) == ("alice", "bob", 500)
    assert result.stop_reason == "answer" and result.steps == 3
    assert "temperature_c=17.5" in result.answer and "to_balance=1500" in result.answer
    assert [(t.tool, t.ok) for t in result.trace] == [
        ("weather__get_weather", True),
        ("wallet__transfer", True),
    ]
    assert all(t.latency_ms >= 0 for t in result.trace) and result.trace[0].arguments == {"city": "Paris"}


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Misbehaviour(hallucinate_tool=True), "unknown_tool"),
        (Misbehaviour(break_schema=True), "invalid_arguments"),
        (Misbehaviour(malformed_json=True), "malformed_arguments"),
    ],
)
@pytest.mark.parametrize("streaming", [False, True])
async def test_a_spoiled_first_call_is_an_observation_and_the_model_recovers(
    rig_factory: Callable[..., Any], fault: Misbehaviour, kind: str, streaming: bool
) -> None:
    rig = rig_factory(streaming=streaming)
    rig.llm.behaviour = fault
    with anyio.fail_after(20):
        result = await rig.agent.run(TASK)
    first = result.trace[0]
    assert not first.ok and first.error and first.error.startswith(f"ERROR ({kind})"), first
    assert [name for name, _ in rig.source.calls] == [
        "weather__get_weather",
        "wallet__transfer",
    ]  # nothing bad ran
    assert [t.ok for t in result.trace[1:]] == [True, True]
    assert result.stop_reason == "answer" and "temperature_c=17.5" in result.answer


async def test_a_never_ending_tool_loop_stops_at_the_step_limit_with_an_answer(
    rig_factory: Callable[..., Any],
) -> None:
    rig = rig_factory(max_steps=5, max_repeats=2)
    rig.llm.behaviour = Misbehaviour(tool_loop=True)
    with anyio.fail_after(20):
        result = await rig.agent.run(TASK)
    assert result.stop_reason == "step_limit" and result.steps == 5
    assert "stopped after 5 steps" in result.answer
    assert len(rig.source.calls) == 2, "identical calls past max_repeats must not run again"
    assert [t.ok for t in result.trace] == [True, True, False, False, False]  # one call per step
    assert all((t.error or "").startswith("ERROR (repeated_call)") for t in result.trace[2:])


async def test_a_failing_tool_is_reported_and_the_other_task_still_runs(
    rig_factory: Callable[..., Any],
) -> None:
    rig = rig_factory()
    rig.source.handlers["weather__get_weather"] = unavailable_weather
    with anyio.fail_after(20):
        result = await rig.agent.run(TASK)
    assert [(t.tool, t.ok) for t in result.trace] == [
        ("weather__get_weather", False),
        ("wallet__transfer", True),
    ]
    assert "upstream_unavailable" in (result.trace[0].error or "")
    assert "FAILED" in result.answer and "to_balance=1500" in result.answer


async def test_a_slow_model_ends_the_turn_at_its_deadline(rig_factory: Callable[..., Any]) -> None:
    rig = rig_factory(turn_deadline_s=0.5, model_timeout_s=5)
    rig.llm.behaviour = Misbehaviour(delay_s=30)
    started = anyio.current_time()
    with anyio.fail_after(5):
        result = await rig.agent.run(TASK)
    assert anyio.current_time() - started < 1.5
    assert result.stop_reason == "deadline" and "deadline of 0.5 s" in result.answer and result.trace == []


async def test_a_slow_tool_is_cut_at_the_turn_deadline(rig_factory: Callable[..., Any]) -> None:
    async def slow(arguments: dict[str, Any]) -> dict[str, Any]:
        await anyio.sleep(30)  # a server that hangs; the turn's deadline must cut it
        return {}

    rig = rig_factory(turn_deadline_s=1.0)
    rig.source.handlers["weather__get_weather"] = slow
    started = anyio.current_time()
    with anyio.fail_after(5):
        result = await rig.agent.run(TASK)
    assert anyio.current_time() - started < 2.0
    assert result.trace[0].tool == "weather__get_weather" and not result.trace[0].ok
    assert (result.trace[0].error or "").startswith("ERROR (deadline)")
    assert result.stop_reason == "deadline"


async def test_an_unreachable_model_is_a_model_error(rig_factory: Callable[..., Any]) -> None:
    from client.agent import Agent
    from client.agent_settings import AgentSettings
    from client.chat_model import build_chat_model
    from harness.fakes.redis_server import free_port

    rig = rig_factory()
    settings = AgentSettings(model_url=f"http://127.0.0.1:{free_port()}/v1", model_retries=0)
    agent = Agent(build_chat_model(settings), rig.source, rig.source.routed, settings)
    with anyio.fail_after(20):
        result = await agent.run(TASK)
    assert result.stop_reason == "model_error" and "ConnectionError" in (result.problem or "")
    assert result.trace == []


async def test_with_more_tools_than_fit_the_prompt_the_model_uses_find_tools(
    rig_factory: Callable[..., Any],
) -> None:
    rig = rig_factory(max_tools_in_prompt=2)
    with anyio.fail_after(20):
        result = await rig.agent.run("pay 5 EUR from alice to bob")
    assert [t.tool for t in result.trace] == ["client__find_tools", "wallet__transfer"], result.trace
    assert result.stop_reason == "answer" and "to_balance=1500" in result.answer


async def test_the_allow_list_hides_tools_from_the_agent(rig_factory: Callable[..., Any]) -> None:
    rig = rig_factory()
    with anyio.fail_after(20):
        result = await rig.agent.run(TASK, lambda name: name.startswith("weather__"))
    assert [name for name, _ in rig.source.calls] == ["weather__get_weather"]
    assert "no tool I was offered" in result.answer
