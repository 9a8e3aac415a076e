"""The agent's chat model from settings: any OpenAI-compatible chat-completions endpoint.

``langchain-openai``'s ``ChatOpenAI`` speaks to OpenAI itself, to vLLM/Ollama/LiteLLM-style servers and
to the simulated LLM alike; only the base URL and the key differ. Retries are few and every call is
bounded by ``model_timeout_s`` (the agent also bounds it by what is left of the turn).
"""

from __future__ import annotations

import httpx
from langchain_core.language_models import BaseChatModel

from client.agent_settings import AgentSettings

NO_KEY = "no-key"  # the OpenAI client insists on a key; endpoints without auth ignore it


class ChatModelNotConfigured(Exception):
    """``MCPH_CLIENT_AGENT__MODEL_URL`` is not set: the agent has no model to ask."""


def build_chat_model(settings: AgentSettings, http_client: httpx.AsyncClient | None = None) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    if not settings.model_url:
        raise ChatModelNotConfigured("the agent has no chat model: set MCPH_CLIENT_AGENT__MODEL_URL")
    key = settings.api_key.get_secret_value() if settings.api_key else NO_KEY
    return ChatOpenAI(
        model=settings.model,
        base_url=settings.model_url,
        api_key=key,  # type: ignore[arg-type]
        temperature=settings.temperature,
        timeout=settings.model_timeout_s,
        max_retries=settings.model_retries,
        streaming=settings.streaming,
        http_async_client=http_client,
    )
