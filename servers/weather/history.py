"""The observations this server obtained from the weather API, recorded in Mongo for ``get_history``.

One document per (place coordinates, observation time): asking again for the same reading — say
after the cache expired but before the API published a new one — does not duplicate it. Newest
first means by record time, then by insertion order for records made at the same instant.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from servers.common.errors import BackendUnavailable
from servers.weather.models import Observation

Clock = Callable[[], float]
OBSERVATIONS_COLLECTION = "weather_observations"


class ObservationLog:
    """Append observations and read them back newest first, optionally for one place."""

    def __init__(self, collection: Any, clock: Clock = time.time) -> None:
        self.collection = collection
        self.clock = clock
        self.sequence = itertools.count()

    async def record(self, observation: Observation) -> None:
        key = f"{observation.latitude:.4f},{observation.longitude:.4f}@{observation.observed_at}"
        document = observation.model_dump() | {
            "place_key": observation.place.casefold(),
            "recorded_at_s": self.clock(),
            "sequence": next(self.sequence),
        }
        try:
            await self.collection.replace_one({"_id": key}, document, upsert=True)
        except Exception as exc:
            raise BackendUnavailable("mongo", f"cannot record observation ({exc})") from exc

    async def recent(self, place: str | None, limit: int) -> list[Observation]:
        query: dict[str, Any] = {} if place is None else {"place_key": place.strip().casefold()}
        try:
            order = [("recorded_at_s", -1), ("sequence", -1)]
            cursor = self.collection.find(query).sort(order).limit(limit)
            documents = await cursor.to_list(length=limit)
        except Exception as exc:
            raise BackendUnavailable("mongo", f"cannot read observations ({exc})") from exc
        return [Observation.model_validate(document) for document in documents]

    def now_iso(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds")
