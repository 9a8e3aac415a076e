"""Settings of the weather server: where the weather API lives and how long answers stay cached.

Env vars ``MCPH_WEATHER_<FIELD>`` (nested with ``__``, e.g. ``MCPH_WEATHER_HTTP__TOTAL_TIMEOUT_S``).
With ``api_url`` unset the server talks to the embedded fake weather API in-process; set it (and
``geocoding_url``, since Open-Meteo serves geocoding from another host) to use a real service.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servers.common.settings import ServerSettings


class WeatherSettings(ServerSettings):
    """The weather server's settings; every field can come from ``MCPH_WEATHER_*``."""

    model_config = SettingsConfigDict(env_prefix="MCPH_WEATHER_", env_nested_delimiter="__", extra="ignore")

    api_url: str | None = Field(
        default=None,
        description="Forecast API base URL (e.g. https://api.open-meteo.com); empty = the embedded fake.",
    )
    geocoding_url: str | None = Field(
        default=None,
        description="Geocoding API base URL (e.g. https://geocoding-api.open-meteo.com); empty = api_url.",
    )
    cache_ttl_s: float = Field(default=600.0, ge=0, description="How long API answers are reused; 0 = never.")
