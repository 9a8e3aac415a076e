"""Breaking rules for the fuzzing, liveness, cancellation and progress checks: a handler stuck on some
inputs, an answer cut off mid-way, a 5xx for isError results, a server that stops answering, a
cancellation dropped or failed, progress with a foreign token."""

from __future__ import annotations

from typing import Any

import anyio

from tests.contract_targets.tamper import Answer, Exchange, Message, Rule, json_answer, map_messages


async def hang_on_negative(exchange: Exchange) -> Answer | None:
    arguments = exchange.params.get("arguments")
    negative = isinstance(arguments, dict) and any(
        isinstance(v, int) and not isinstance(v, bool) and v < 0 for v in arguments.values()
    )
    if exchange.method == "tools/call" and negative:
        await anyio.sleep(3)  # a handler stuck on some inputs
    return None


def hostile(arguments: Any) -> bool:
    """Arguments the invalid-argument fuzzer sends (not an object, undeclared fields, odd strings)."""
    if not isinstance(arguments, dict):
        return True
    odd = ("%", "<", "\x00", "../", "'")
    return any(
        key.startswith("__") or (isinstance(v, str) and (len(v) > 1000 or any(o in v for o in odd)))
        for key, v in arguments.items()
    )


def close_mid_answer(exchange: Exchange) -> Answer | None:
    """A tools/call with hostile arguments gets half an answer and a dropped connection."""
    if exchange.method == "tools/call" and hostile(exchange.params.get("arguments")):
        rid = exchange.message.get("id")
        answer = json_answer(200, {"jsonrpc": "2.0", "id": rid, "result": {"content": []}})
        answer.cut = True
        return answer
    return None


async def stop_answering_probes(exchange: Exchange) -> Answer | None:
    """A server that no longer answers by the end of the run (its liveness probe hangs)."""
    if isinstance(exchange.message, dict) and exchange.message.get("id") == "contract-probe":
        await anyio.sleep(30)
    return None


def is_error_result(message: Any) -> bool:
    result = message.get("result") if isinstance(message, dict) else None
    return isinstance(result, dict) and bool(result.get("isError"))


def error_result_500(exchange: Exchange, answer: Answer) -> None:
    try:
        messages = answer.messages()
    except ValueError:
        return
    if exchange.method == "tools/call" and any(
        isinstance(m, dict) and isinstance(m.get("result"), dict) and m["result"].get("isError")
        for m in messages
    ):
        answer.status, answer.body = 500, b"Internal Server Error"
        answer.headers["content-type"] = "text/plain"


def drop_cancel(exchange: Exchange) -> Answer | None:
    return Answer(202, {}, b"") if exchange.method == "notifications/cancelled" else None


def cancel_500(exchange: Exchange) -> Answer | None:
    if exchange.method == "notifications/cancelled":
        return Answer(500, {"content-type": "text/plain"}, b"boom")
    return None


def wrong_progress_token(exchange: Exchange, message: Message) -> Message | None:
    if message.get("method") == "notifications/progress":
        message["params"]["progressToken"] = "someone-else"
    return None


ROBUSTNESS_RULES: tuple[Rule, ...] = (
    Rule("hang-on-negative", "fuzz.valid-arguments", on_request=hang_on_negative),
    Rule("error-result-500", "fuzz.invalid-arguments", on_response=error_result_500),
    Rule("closes-mid-answer", "fuzz.invalid-arguments", on_request=close_mid_answer),
    Rule("stops-answering", "target.stays-up", on_request=stop_answering_probes),
    Rule("cancel-dropped", "cancel.in-flight-stops", on_request=drop_cancel),
    Rule("cancel-500", "cancel.unknown-request-ignored", on_request=cancel_500),
    Rule("progress-wrong-token", "progress.token", on_response=map_messages(wrong_progress_token)),
)
