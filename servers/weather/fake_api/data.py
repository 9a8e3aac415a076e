"""What the fake weather API knows: a small gazetteer of world cities and deterministic weather.

Weather is a pure function of (latitude, longitude, date/hour): a climate baseline from latitude and
season plus noise seeded by a hash of the inputs, so the same question always gets the same answer
and tests can assert exact values without storing fixtures.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class City:
    """One gazetteer entry with real coordinates."""

    id: int
    name: str
    latitude: float
    longitude: float
    elevation: float
    country: str
    country_code: str
    timezone: str
    population: int


GAZETTEER: tuple[City, ...] = (
    City(2950159, "Berlin", 52.52437, 13.41053, 74.0, "Germany", "DE", "Europe/Berlin", 3426354),
    City(2643743, "London", 51.50853, -0.12574, 25.0, "United Kingdom", "GB", "Europe/London", 8961989),
    City(2988507, "Paris", 48.85341, 2.3488, 42.0, "France", "FR", "Europe/Paris", 2138551),
    City(3117735, "Madrid", 40.4165, -3.70256, 665.0, "Spain", "ES", "Europe/Madrid", 3255944),
    City(3169070, "Rome", 41.89193, 12.51133, 20.0, "Italy", "IT", "Europe/Rome", 2318895),
    City(2759794, "Amsterdam", 52.37403, 4.88969, 13.0, "Netherlands", "NL", "Europe/Amsterdam", 741636),
    City(2761369, "Vienna", 48.20849, 16.37208, 171.0, "Austria", "AT", "Europe/Vienna", 1691468),
    City(3067696, "Prague", 50.08804, 14.42076, 202.0, "Czechia", "CZ", "Europe/Prague", 1165581),
    City(756135, "Warsaw", 52.22977, 21.01178, 113.0, "Poland", "PL", "Europe/Warsaw", 1702139),
    City(2673730, "Stockholm", 59.32938, 18.06871, 17.0, "Sweden", "SE", "Europe/Stockholm", 1515017),
    City(658225, "Helsinki", 60.16952, 24.93545, 26.0, "Finland", "FI", "Europe/Helsinki", 558457),
    City(3413829, "Reykjavik", 64.13548, -21.89541, 31.0, "Iceland", "IS", "Atlantic/Reykjavik", 118918),
    City(264371, "Athens", 37.98376, 23.72784, 70.0, "Greece", "GR", "Europe/Athens", 664046),
    City(745044, "Istanbul", 41.01384, 28.94966, 39.0, "Turkey", "TR", "Europe/Istanbul", 14804116),
    City(524901, "Moscow", 55.75222, 37.61556, 144.0, "Russia", "RU", "Europe/Moscow", 10381222),
    City(360630, "Cairo", 30.06263, 31.24967, 23.0, "Egypt", "EG", "Africa/Cairo", 7734614),
    City(184745, "Nairobi", -1.28333, 36.81667, 1661.0, "Kenya", "KE", "Africa/Nairobi", 2750547),
    City(2332459, "Lagos", 6.45407, 3.39467, 11.0, "Nigeria", "NG", "Africa/Lagos", 9000000),
    City(
        3369157, "Cape Town", -33.92584, 18.42322, 25.0, "South Africa", "ZA", "Africa/Johannesburg", 3433441
    ),
    City(292223, "Dubai", 25.07725, 55.30927, 5.0, "United Arab Emirates", "AE", "Asia/Dubai", 3790000),
    City(1275339, "Mumbai", 19.07283, 72.88261, 14.0, "India", "IN", "Asia/Kolkata", 12691836),
    City(1273294, "Delhi", 28.65195, 77.23149, 227.0, "India", "IN", "Asia/Kolkata", 10927986),
    City(1609350, "Bangkok", 13.75398, 100.50144, 4.0, "Thailand", "TH", "Asia/Bangkok", 5104476),
    City(1880252, "Singapore", 1.28967, 103.85007, 15.0, "Singapore", "SG", "Asia/Singapore", 3547809),
    City(1816670, "Beijing", 39.9075, 116.39723, 49.0, "China", "CN", "Asia/Shanghai", 11716620),
    City(1796236, "Shanghai", 31.22222, 121.45806, 12.0, "China", "CN", "Asia/Shanghai", 22315474),
    City(1835848, "Seoul", 37.566, 126.9784, 38.0, "South Korea", "KR", "Asia/Seoul", 10349312),
    City(1850147, "Tokyo", 35.6895, 139.69171, 44.0, "Japan", "JP", "Asia/Tokyo", 8336599),
    City(2147714, "Sydney", -33.86785, 151.20732, 58.0, "Australia", "AU", "Australia/Sydney", 4627345),
    City(2179537, "Wellington", -41.28664, 174.77557, 14.0, "New Zealand", "NZ", "Pacific/Auckland", 381900),
    City(5128581, "New York", 40.71427, -74.00597, 10.0, "United States", "US", "America/New_York", 8175133),
    City(
        5368361,
        "Los Angeles",
        34.05223,
        -118.24368,
        89.0,
        "United States",
        "US",
        "America/Los_Angeles",
        3971883,
    ),
    City(4887398, "Chicago", 41.85003, -87.65005, 179.0, "United States", "US", "America/Chicago", 2720546),
    City(6167865, "Toronto", 43.70011, -79.4163, 175.0, "Canada", "CA", "America/Toronto", 2600000),
    City(
        3530597, "Mexico City", 19.42847, -99.12766, 2240.0, "Mexico", "MX", "America/Mexico_City", 12294193
    ),
    City(3448439, "São Paulo", -23.5475, -46.63611, 769.0, "Brazil", "BR", "America/Sao_Paulo", 10021295),
    City(
        3435910,
        "Buenos Aires",
        -34.61315,
        -58.37723,
        25.0,
        "Argentina",
        "AR",
        "America/Argentina/Buenos_Aires",
        13076300,
    ),
    City(3936456, "Lima", -12.04318, -77.02824, 154.0, "Peru", "PE", "America/Lima", 7737002),
    City(
        5879400, "Anchorage", 61.21806, -149.90028, 31.0, "United States", "US", "America/Anchorage", 291826
    ),
    City(5856195, "Honolulu", 21.30694, -157.85833, 6.0, "United States", "US", "Pacific/Honolulu", 371657),
)


def search_cities(name: str, count: int) -> list[City]:
    """Cities whose name starts with ``name`` (case-insensitive), biggest first, like Open-Meteo."""
    needle = name.strip().casefold()
    matches = [city for city in GAZETTEER if city.name.casefold().startswith(needle)]
    return sorted(matches, key=lambda city: -city.population)[:count]


def nearest_city(latitude: float, longitude: float, within_km: float = 300.0) -> City | None:
    """The gazetteer city nearest to a point, if one lies within ``within_km``."""
    best: City | None = None
    best_km = within_km
    for city in GAZETTEER:
        km = great_circle_km(latitude, longitude, city.latitude, city.longitude)
        if km <= best_km:
            best, best_km = city, km
    return best


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def unit_noise(*parts: object) -> float:
    """A deterministic number in [0, 1) from the given parts."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def seasonal_mean_c(latitude: float, day: date) -> float:
    """Climate baseline: warm at the equator, colder poleward, summer in each hemisphere's own season."""
    annual_mean = 28.0 - 0.45 * abs(latitude)
    amplitude = 0.25 * abs(latitude)
    phase = math.cos(2 * math.pi * (day.timetuple().tm_yday - 196) / 365.25)
    return annual_mean + amplitude * (phase if latitude >= 0 else -phase)


WEATHER_CODES_BY_WETNESS: tuple[int, ...] = (0, 1, 2, 3, 45, 51, 61, 63, 80, 95)


@dataclass(frozen=True)
class DailyWeather:
    day: date
    temperature_max: float
    temperature_min: float
    precipitation_sum: float
    weather_code: int
    wind_speed_max: float


@dataclass(frozen=True)
class CurrentConditions:
    time: datetime
    temperature: float
    relative_humidity: int
    wind_speed: float
    weather_code: int
    precipitation: float


def key_of(latitude: float, longitude: float) -> str:
    return f"{latitude:.2f},{longitude:.2f}"


def daily_weather(latitude: float, longitude: float, day: date) -> DailyWeather:
    key = key_of(latitude, longitude)
    mean = seasonal_mean_c(latitude, day) + (unit_noise(key, day, "mean") - 0.5) * 8
    spread = 4 + unit_noise(key, day, "spread") * 8
    wetness = unit_noise(key, day, "wet")
    code = WEATHER_CODES_BY_WETNESS[int(wetness * len(WEATHER_CODES_BY_WETNESS))]
    if code >= 61 and mean < 0:
        code = 71  # snow instead of rain below freezing
    precipitation = round(max(0.0, wetness - 0.5) * 30, 1)
    return DailyWeather(
        day=day,
        temperature_max=round(mean + spread / 2, 1),
        temperature_min=round(mean - spread / 2, 1),
        precipitation_sum=precipitation,
        weather_code=code,
        wind_speed_max=round(5 + unit_noise(key, day, "wind") * 40, 1),
    )


def current_conditions(latitude: float, longitude: float, local_time: datetime) -> CurrentConditions:
    """Conditions at ``local_time`` (already rounded to the 15-minute interval)."""
    day = daily_weather(latitude, longitude, local_time.date())
    # coldest at 05:00, warmest at 17:00
    hour = local_time.hour + local_time.minute / 60
    diurnal = (1 - math.cos(2 * math.pi * (hour - 5) / 24)) / 2
    temperature = day.temperature_min + (day.temperature_max - day.temperature_min) * diurnal
    key = key_of(latitude, longitude)
    stamp = local_time.isoformat(timespec="minutes")
    return CurrentConditions(
        time=local_time,
        temperature=round(temperature, 1),
        relative_humidity=int(35 + unit_noise(key, stamp, "rh") * 60),
        wind_speed=round(day.wind_speed_max * (0.3 + 0.7 * unit_noise(key, stamp, "wind")), 1),
        weather_code=day.weather_code,
        precipitation=round(day.precipitation_sum / 24, 1),
    )
