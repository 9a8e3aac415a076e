from __future__ import annotations

from harness.fixtures.weather import weather_api, weather_clock, weather_spec

__all__ = ["weather_api", "weather_clock", "weather_spec"]
