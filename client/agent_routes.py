"""``POST /v1/agent``: one agent turn over HTTP — ``{"message": str}`` in, answer and trace out.

* 200 ``{"answer", "trace": [{"tool", "arguments", "ok", "latency_ms", "error"}], "steps", "stop_reason"}``
  (``stop_reason``: ``answer`` | ``step_limit`` | ``deadline``: the answer says what happened);
* 400 a body that is not a JSON object, or a malformed allow-list header; 413 too large;
  422 a body that is an object but not ``{"message": <non-empty string>}``;
* 502 ``model_unavailable`` (the chat model failed; the trace so far is included);
* 503 ``agent_disabled`` when no chat model is configured.

LangGraph and LangChain load on the first request, so a client that never runs the agent never pays
for importing them. A caller's allow-list arrives in :data:`client.caller_tools.ALLOWED_TOOLS_HEADER`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from client.bodies import BodyNotJsonObject, BodyTooLarge, parse_json_object, read_limited_body
from client.caller_tools import ALLOWED_TOOLS_HEADER, BadAllowList, read_allow_list

if TYPE_CHECKING:
    from client.agent import Agent
    from client.app import ClientRuntime


class AgentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    message: str = Field(min_length=1)


def problem(status: int, error: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": error, "message": message, **extra}, status_code=status)


def validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return 'expected {"message": <non-empty string>}: ' + "; ".join(parts)


class LazyAgent:
    """Builds the agent (and imports LangGraph) on first use; one agent per client app."""

    def __init__(self, runtime: ClientRuntime) -> None:
        self.runtime = runtime
        self._agent: Agent | None = None

    def get(self) -> Agent:
        if self._agent is None:
            from client.agent import Agent
            from client.chat_model import build_chat_model

            settings = self.runtime.settings.agent
            self._agent = Agent(build_chat_model(settings), self.runtime, self.runtime.router.tools, settings)
        return self._agent


def agent_routes(runtime: ClientRuntime) -> list[Route]:
    lazy = LazyAgent(runtime)

    async def run_agent(request: Request) -> Response:
        settings = runtime.settings.agent
        if not settings.model_url:
            return problem(
                503, "agent_disabled", "no chat model configured: set MCPH_CLIENT_AGENT__MODEL_URL"
            )
        try:
            body = await read_limited_body(request, runtime.settings.max_request_bytes)
            payload = parse_json_object(body)
            message = AgentRequest.model_validate(payload).message
            may_call = read_allow_list(request.headers.get(ALLOWED_TOOLS_HEADER))
        except BodyTooLarge as exc:
            return problem(413, "body_too_large", str(exc))
        except (BodyNotJsonObject, BadAllowList) as exc:
            return problem(400, "invalid_body", str(exc))
        except ValidationError as exc:
            return problem(422, "invalid_request", validation_message(exc))
        if not message.strip():
            return problem(422, "invalid_request", "message must not be blank")
        if len(message) > settings.max_message_chars:
            return problem(
                422, "invalid_request", f"message is longer than {settings.max_message_chars} characters"
            )
        result = await lazy.get().run(message, may_call)
        if result.stop_reason == "model_error":
            return problem(502, "model_unavailable", result.answer, trace=result.as_json()["trace"])
        return JSONResponse(result.as_json())

    return [Route("/v1/agent", run_agent, methods=["POST"])]
