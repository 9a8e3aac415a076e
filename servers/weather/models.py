"""What the weather tools return (structured output) and the WMO weather-code vocabulary."""

from __future__ import annotations

from pydantic import BaseModel, Field

WMO_CONDITIONS: dict[int, str] = {
    0: "clear sky",
    1: "mainly clear",
    2: "partly cloudy",
    3: "overcast",
    45: "fog",
    48: "depositing rime fog",
    51: "light drizzle",
    53: "moderate drizzle",
    55: "dense drizzle",
    56: "light freezing drizzle",
    57: "dense freezing drizzle",
    61: "slight rain",
    63: "moderate rain",
    65: "heavy rain",
    66: "light freezing rain",
    67: "heavy freezing rain",
    71: "slight snow fall",
    73: "moderate snow fall",
    75: "heavy snow fall",
    77: "snow grains",
    80: "slight rain showers",
    81: "moderate rain showers",
    82: "violent rain showers",
    85: "slight snow showers",
    86: "heavy snow showers",
    95: "thunderstorm",
    96: "thunderstorm with slight hail",
    99: "thunderstorm with heavy hail",
}


def describe_weather_code(code: int | None) -> str:
    if code is None:
        return "unknown (no weather code)"
    return WMO_CONDITIONS.get(code, f"unknown (WMO code {code})")


class Place(BaseModel):
    """Where the weather is for: a geocoded city, or bare coordinates (then ``name`` is "lat,lon")."""

    name: str
    latitude: float
    longitude: float
    country: str | None = None
    country_code: str | None = None
    timezone: str | None = None


class CurrentWeather(BaseModel):
    """Current conditions at a place (units: °C, %, km/h)."""

    place: Place
    observed_at: str = Field(description="Local time of the observation, ISO 8601.")
    temperature_c: float
    relative_humidity_pct: float
    wind_speed_kmh: float
    weather_code: int
    conditions: str
    cached: bool = Field(description="True when answered from the cache without calling the weather API.")


class ForecastDay(BaseModel):
    """One day of a forecast; a value the weather API did not provide is null."""

    date: str
    temperature_max_c: float | None
    temperature_min_c: float | None
    precipitation_mm: float | None
    weather_code: int | None
    conditions: str


class Forecast(BaseModel):
    """A daily forecast of 1–16 days starting today (local time of the place)."""

    place: Place
    timezone: str
    days: list[ForecastDay]
    cached: bool


class Observation(BaseModel):
    """A reading of current conditions this server obtained from the weather API."""

    place: str
    latitude: float
    longitude: float
    observed_at: str
    recorded_at: str = Field(description="When this server recorded it, UTC ISO 8601.")
    temperature_c: float
    relative_humidity_pct: float
    wind_speed_kmh: float
    weather_code: int
    conditions: str


class History(BaseModel):
    """Recorded observations, newest first."""

    observations: list[Observation]
