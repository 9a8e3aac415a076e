"""A configured toxic of a proxy (Toxiproxy's ToxicWrapper): name, stream, toxicity and typed attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from chaos.toxics import Toxic

Stream = Literal["upstream", "downstream"]
STREAMS: tuple[Stream, ...] = ("upstream", "downstream")


@dataclass(frozen=True)
class ToxicSpec:
    """One toxic as the API shows it; immutable, so an update swaps in a new spec."""

    name: str
    stream: Stream
    toxicity: float
    toxic: Toxic

    @property
    def type(self) -> str:
        return self.toxic.type_name

    def to_json(self) -> dict[str, Any]:
        return {
            "attributes": self.toxic.model_dump(),
            "name": self.name,
            "type": self.type,
            "stream": self.stream,
            "toxicity": self.toxicity,
        }
