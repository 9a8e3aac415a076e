"""The fake weather API (Open-Meteo-shaped, with fault injection) for tests and the launcher.

Defined in :mod:`servers.weather.fake_api` so the weather server can use it without importing the harness.
"""

from __future__ import annotations

from servers.weather.fake_api import Fault, FaultBook, FaultSpec, RequestStats, WeatherApi, create_weather_api

__all__ = ["Fault", "FaultBook", "FaultSpec", "RequestStats", "WeatherApi", "create_weather_api"]
