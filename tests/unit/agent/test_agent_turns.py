"""The agent against the simulated LLM: multi-step tasks, and every misbehaviour ends in an answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import pytest

from harness.fakes.llm_policy import Misbehaviour

pytestmark = pytest.mark.anyio
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
