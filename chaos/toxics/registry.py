"""The table of toxic types by name; each toxic module registers its class here on import."""

from __future__ import annotations

from typing import TypeVar

from chaos.toxics.base import Toxic

ToxicT = TypeVar("ToxicT", bound=type[Toxic])

TOXIC_TYPES: dict[str, type[Toxic]] = {}


def register(cls: ToxicT) -> ToxicT:
    """Class decorator: make ``cls`` available under its ``type_name``."""
    if not cls.type_name:
        raise ValueError(f"{cls.__name__} has no type_name")
    TOXIC_TYPES[cls.type_name] = cls
    return cls


def toxic_type(name: str) -> type[Toxic] | None:
    return TOXIC_TYPES.get(name)
