"""The simulated LLM speaks OpenAI's wire format to the official SDK: scripts, errors, control API."""

from __future__ import annotations

import httpx
import openai
import pytest

from harness.fakes.llm import SimulatedLlm
from harness.fakes.llm_arguments import fill_arguments, split_tasks
from harness.fakes.llm_script import LlmScript

pytestmark = pytest.mark.anyio
SCRIPT = LlmScript.model_validate(
    {
        "name": "pay",
        "match": "pay .* bob",
        "turns": [
            {"tool_calls": [{"name": "wallet__transfer", "arguments": "{'amount': 5}"}]},
            {"answer": "Done: {results}"},
        ],
    }
)


def sdk(llm: SimulatedLlm, key: str = "k") -> openai.AsyncOpenAI:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(llm.app))
    return openai.AsyncOpenAI(base_url="http://sim/v1", api_key=key, http_client=http, max_retries=0)


@pytest.mark.parametrize("stream", [False, True])
async def test_a_script_plays_its_turns_raw_arguments_included(stream: bool) -> None:
    client = sdk(SimulatedLlm(scripts=[SCRIPT]))
    messages: list[dict[str, object]] = [{"role": "user", "content": "pay 5 EUR to bob"}]
    if stream:
        pieces = [
            c async for c in await client.chat.completions.create(model="m", messages=messages, stream=True)
        ]  # type: ignore[arg-type]
        calls = [tc for c in pieces for tc in (c.choices[0].delta.tool_calls or [])]
        assert calls[0].function and calls[0].function.name == "wallet__transfer"
        assert "".join(tc.function.arguments or "" for tc in calls if tc.function) == "{'amount': 5}"
        assert pieces[-1].choices[0].finish_reason == "tool_calls"
        return
    first = await client.chat.completions.create(model="m", messages=messages)  # type: ignore[arg-type]
    call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.arguments == "{'amount': 5}" and first.choices[0].finish_reason == "tool_calls"  # type: ignore[union-attr]
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": '{"ok": 1}'},
    ]
    second = await client.chat.completions.create(model="m", messages=messages)  # type: ignore[arg-type]
    assert second.choices[0].message.content == "Done: ok=1"


async def test_bad_requests_and_wrong_keys_get_openai_shaped_errors() -> None:
    client = sdk(SimulatedLlm(api_key="right"), key="wrong")
    with pytest.raises(openai.AuthenticationError):
        await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError, match="messages"):
        await sdk(SimulatedLlm()).chat.completions.create(model="m", messages=[])


async def test_behaviour_and_scripts_are_set_over_http_and_refused_when_invalid() -> None:
    llm = SimulatedLlm()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(llm.app), base_url="http://sim") as http:
        assert (await http.put("/sim/behaviour", json={"delay_s": -1})).status_code == 400
        assert (await http.put("/sim/behaviour", json={"tool_loop": True})).status_code == 200
        assert llm.behaviour.tool_loop
        assert (await http.put("/sim/scripts", json=[{"name": "x", "turns": []}])).status_code == 400
        assert (await http.put("/sim/scripts", json=[SCRIPT.model_dump()])).json() == {"scripts": ["pay"]}


def test_tasks_and_arguments_are_read_from_the_message() -> None:
    message = (
        "Check the balance of alice; then send 3 USD to carol from bob and then show the forecast for Rome"
    )
    tasks = split_tasks(message)
    assert tasks == [
        "Check the balance of alice",
        "send 3 USD to carol from bob",
        "show the forecast for Rome",
    ]
    schema = {"properties": {"account": {"type": "string"}}}
    assert fill_arguments(schema, tasks[0], message, 0) == {"account": "alice"}
    money = {"type": "integer", "description": "minor units (e.g. cents)"}
    pay = {"properties": {"from_account": {}, "to_account": {}, "amount": money, "idempotency_key": {}}}
    filled = fill_arguments(pay, tasks[1], message, 1)
    assert filled["amount"] == 300 and (filled["from_account"], filled["to_account"]) == ("bob", "carol")
    assert filled == fill_arguments(pay, tasks[1], message, 1), "the same message must give the same key"
