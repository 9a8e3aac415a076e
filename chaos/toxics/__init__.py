"""Toxics: one module per type, each registering itself in :data:`TOXIC_TYPES` on import."""

from __future__ import annotations

from chaos.toxics import bandwidth, latency, limit_data, noop, reset_peer, slicer, slow_close, timeout
from chaos.toxics.base import Toxic, ToxicStub
from chaos.toxics.registry import TOXIC_TYPES, register, toxic_type

__all__ = [
    "TOXIC_TYPES",
    "Toxic",
    "ToxicStub",
    "bandwidth",
    "latency",
    "limit_data",
    "noop",
    "register",
    "reset_peer",
    "slicer",
    "slow_close",
    "timeout",
    "toxic_type",
]
