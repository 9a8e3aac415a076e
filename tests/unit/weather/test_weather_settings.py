"""WeatherSettings read MCPH_WEATHER_* (nested with __) and refuse bad values with a clear error."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from servers.weather.settings import WeatherSettings


def test_environment_configures_the_real_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCPH_WEATHER_API_URL", "https://api.open-meteo.com")
    monkeypatch.setenv("MCPH_WEATHER_GEOCODING_URL", "https://geocoding-api.open-meteo.com")
    monkeypatch.setenv("MCPH_WEATHER_CACHE_TTL_S", "30")
    monkeypatch.setenv("MCPH_WEATHER_HTTP__TOTAL_TIMEOUT_S", "0.5")
    monkeypatch.setenv("MCPH_WALLET_CACHE_TTL_S", "999")  # another service's prefix is ignored
    settings = WeatherSettings()
    assert settings.api_url == "https://api.open-meteo.com"
    assert settings.geocoding_url == "https://geocoding-api.open-meteo.com"
    assert settings.cache_ttl_s == 30
    assert settings.http.total_timeout_s == 0.5


def test_defaults_use_the_embedded_fake() -> None:
    settings = WeatherSettings()
    assert settings.api_url is None and settings.geocoding_url is None
    assert settings.cache_ttl_s == 600


def test_negative_ttl_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCPH_WEATHER_CACHE_TTL_S", "-1")
    with pytest.raises(ValidationError, match="cache_ttl_s"):
        WeatherSettings()
