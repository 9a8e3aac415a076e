"""The simulated LLM: an OpenAI-compatible chat-completions API that costs nothing and never varies.

Real SDKs (``openai``, ``langchain-openai``) talk to it unchanged: ``POST /v1/chat/completions`` answers
JSON or, with ``"stream": true``, server-sent ``chat.completion.chunk`` events ending in ``[DONE]``;
assistant replies carry ``tool_calls`` (arguments as JSON text, streamed in pieces) or content.
``GET /v1/models`` lists the one model. What it says comes from a matching script
(:mod:`harness.fakes.llm_script`) or else the built-in policy (:mod:`harness.fakes.llm_policy`).

Misbehaviour is switched on in Python (``llm.behaviour``) or over HTTP (``PUT /sim/behaviour`` with a
:class:`~harness.fakes.llm_policy.Misbehaviour` body); ``PUT /sim/scripts`` replaces the scripts.
With ``api_key`` set, requests need ``Authorization: Bearer <key>`` (401 otherwise). Bad requests
get OpenAI-shaped errors (``{"error": {"message", "type"}}``) with status 400.
"""

from __future__ import annotations

import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from harness.fakes.llm_policy import Misbehaviour, Reply, ToolPolicy, read_conversation
from harness.fakes.llm_script import SCRIPTS, LlmScript, pick_script

MODEL_NAME = "mcph-simulated"
ARGUMENT_PIECE = 16  # streamed tool-call arguments arrive in pieces of this many characters


class ChatRequest(BaseModel):
    """The part of an OpenAI chat-completions request the simulation reads; the rest is accepted."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[dict[str, Any]] = Field(min_length=1)
    tools: list[dict[str, Any]] | None = None
    stream: bool = False


def openai_error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": None}}, status_code=status)


def wire_tool_calls(reply: Reply) -> list[dict[str, Any]]:
    return [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
        for c in reply.tool_calls
    ]


def completion(reply: Reply, model: str, completion_id: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = wire_tool_calls(reply)
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": finish_reason(reply), "logprobs": None}
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def finish_reason(reply: Reply) -> str:
    return "tool_calls" if reply.tool_calls else "stop"


def chunks(reply: Reply, model: str, completion_id: str) -> list[dict[str, Any]]:
    """The reply as ``chat.completion.chunk`` objects, as OpenAI streams it."""
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [choice]}  # fmt: skip

    out = [chunk({"role": "assistant", "content": ""})]
    if reply.content:
        words = reply.content.split(" ")
        out += [chunk({"content": w if i == 0 else " " + w}) for i, w in enumerate(words)]
    for index, call in enumerate(reply.tool_calls):
        head = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        out.append(chunk({"tool_calls": [head]}))
        for start in range(0, len(call.arguments), ARGUMENT_PIECE):
            piece = call.arguments[start : start + ARGUMENT_PIECE]
            out.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
    out.append(chunk({}, finish_reason(reply)))
    return out


@dataclass
class SimulatedLlm:
    """The simulation's state: scripts, misbehaviour, and how many completions it served."""

    scripts: list[LlmScript] = field(default_factory=list)
    behaviour: Misbehaviour = field(default_factory=Misbehaviour)
    api_key: str | None = None
    completions: int = 0
    policy: ToolPolicy = field(default_factory=ToolPolicy)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def reply(self, request: ChatRequest) -> Reply:
        conversation = read_conversation(request.messages)
        script = pick_script(self.scripts, request.model, conversation.message)
        if script is not None:
            return script.play(conversation)
        return await self.policy.decide(conversation, request.tools or [], self.behaviour)

    def authorised(self, request: Request) -> bool:
        if self.api_key is None:
            return True
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip(), self.api_key)

    async def chat_completions(self, request: Request) -> Response:
        if not self.authorised(request):
            return openai_error(401, "invalid API key", "authentication_error")
        try:
            chat = ChatRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            return openai_error(400, f"invalid request: {where}: {first['msg']}")
        if self.behaviour.delay_s:
            await anyio.sleep(self.behaviour.delay_s)  # the simulated model thinking slowly
        reply = await self.reply(chat)
        self.completions += 1
        completion_id = f"chatcmpl-sim-{next(self._ids)}"
        if not chat.stream:
            return JSONResponse(completion(reply, chat.model, completion_id))
        events = [f"data: {json.dumps(c)}\n\n" for c in chunks(reply, chat.model, completion_id)]
        return StreamingResponse(stream_events([*events, "data: [DONE]\n\n"]), media_type="text/event-stream")

    async def models(self, request: Request) -> Response:
        return JSONResponse(
            {
                "object": "list",
                "data": [{"id": MODEL_NAME, "object": "model", "created": 0, "owned_by": "sim"}],
            }
        )

    async def put_behaviour(self, request: Request) -> Response:
        try:
            self.behaviour = Misbehaviour.model_validate_json(await request.body())
        except ValidationError as exc:
            return openai_error(400, f"invalid behaviour: {exc.errors()[0]['msg']}")
        return JSONResponse(self.behaviour.model_dump())

    async def get_behaviour(self, request: Request) -> Response:
        return JSONResponse(self.behaviour.model_dump())

    async def put_scripts(self, request: Request) -> Response:
        try:
            self.scripts = SCRIPTS.validate_json(await request.body())
        except ValidationError as exc:
            return openai_error(400, f"invalid scripts: {exc.errors()[0]['msg']}")
        return JSONResponse({"scripts": [s.name for s in self.scripts]})

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self.chat_completions, methods=["POST"]),
                Route("/chat/completions", self.chat_completions, methods=["POST"]),
                Route("/v1/models", self.models, methods=["GET"]),
                Route("/sim/behaviour", self.get_behaviour, methods=["GET"]),
                Route("/sim/behaviour", self.put_behaviour, methods=["PUT"]),
                Route("/sim/scripts", self.put_scripts, methods=["PUT"]),
            ]
        )


async def stream_events(events: Sequence[str]) -> AsyncIterator[str]:
    for event in events:
        yield event


@asynccontextmanager
async def serve_simulated_llm(
    llm: SimulatedLlm | None = None, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[tuple[SimulatedLlm, str]]:
    """Serve ``llm`` on a socket; yields it and its OpenAI base URL (``http://host:port/v1``)."""
    from servers.common.asgi_serving import serve_asgi

    llm = llm or SimulatedLlm()
    async with serve_asgi(llm.app, host, port) as listening:
        yield llm, f"{listening.base_url}/v1"
