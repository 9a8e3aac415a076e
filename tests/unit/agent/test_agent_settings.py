"""Agent settings: the gateway must outwait a whole agent turn once the agent has a model."""

from __future__ import annotations

from client.agent_settings import AgentSettings
from client.settings import ClientSettings


def test_the_agent_turn_counts_toward_the_longest_deadline_only_when_it_has_a_model() -> None:
    assert ClientSettings(default_timeout_s=7).longest_deadline_s() == 7
    with_model = AgentSettings(model_url="http://127.0.0.1:9/v1", turn_deadline_s=40)
    assert ClientSettings(default_timeout_s=7, agent=with_model).longest_deadline_s() == 40


def test_agent_settings_come_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MCPH_CLIENT_AGENT__MODEL_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("MCPH_CLIENT_AGENT__MAX_STEPS", "3")
    settings = ClientSettings().agent
    assert settings.model_url == "http://127.0.0.1:9/v1" and settings.max_steps == 3
