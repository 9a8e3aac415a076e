"""Settings of the client's agent (``MCPH_CLIENT_AGENT__*``): which chat model, and how far a turn may go.

The chat model is any OpenAI-compatible chat-completions endpoint (``model_url`` + ``api_key``); the
launcher points it at the simulated LLM (``harness.fakes.llm``). Without ``model_url`` the agent is off
and ``POST /v1/agent`` answers 503 saying so.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr


class AgentSettings(BaseModel):
    """The LangGraph agent behind ``POST /v1/agent``."""

    model_url: str | None = Field(default=None, description="OpenAI-compatible base URL, e.g. http://h:p/v1")
    api_key: SecretStr | None = Field(default=None, description="sent as Authorization: Bearer")
    model: str = Field(default="mcph-simulated", min_length=1)
    temperature: float = Field(default=0.0, ge=0, le=2)
    streaming: bool = Field(default=False, description="ask the model for streamed replies")
    max_steps: int = Field(default=8, ge=1, le=100, description="model calls per turn, at most")
    turn_deadline_s: float = Field(default=30.0, gt=0, description="a whole turn ends by then, answered")
    model_timeout_s: float = Field(default=20.0, gt=0, description="one model call")
    model_retries: int = Field(default=1, ge=0, le=5)
    max_tools_in_prompt: int = Field(
        default=16, ge=2, description="more tools than this: offer the best-ranked ones + client__find_tools"
    )
    max_message_chars: int = Field(default=4000, ge=1)
    observation_chars: int = Field(default=4000, ge=100, description="tool results are cut to this length")
    max_repeats: int = Field(default=2, ge=1, description="identical calls in one turn before refusing")
