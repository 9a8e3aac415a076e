"""The fake Open-Meteo-compatible weather API.

It lives beside the weather server (not only in ``harness.fakes``) because the server falls back to it
in-process when no ``api_url`` is configured, and servers import nothing from the harness;
``harness.fakes.weather_api`` re-exports it for tests and the launcher.
"""

from __future__ import annotations

from servers.weather.fake_api.app import WeatherApi, create_weather_api
from servers.weather.fake_api.faults import Fault, FaultBook, FaultSpec, RequestStats

__all__ = ["Fault", "FaultBook", "FaultSpec", "RequestStats", "WeatherApi", "create_weather_api"]
