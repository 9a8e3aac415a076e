"""noop: passes data through unchanged (a valid Toxiproxy type, handy as a placeholder)."""

from __future__ import annotations

from chaos.toxics.base import Toxic
from chaos.toxics.registry import register


@register
class NoopToxic(Toxic):
    type_name = "noop"
