"""Application faults the fake weather API can be told to produce, and its request counters.

A :class:`Fault` says what goes wrong (an HTTP status, a malformed body, a delay), where (one path or
all) and how often (the next ``count`` matching requests, or until cleared). :class:`FaultBook` holds
the active faults; tests drive it directly through the handle or over ``/admin/faults``.
Network faults (resets, bandwidth) are the fault proxy's job, not this module's.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FaultKind = Literal["status", "malformed", "slow"]
API_PATHS: tuple[str, ...] = ("/v1/search", "/v1/forecast")


class FaultSpec(BaseModel):
    """A fault as clients describe it (the body of ``POST /admin/faults``)."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    status: int | None = Field(default=None, ge=400, le=599, description="For kind=status.")
    delay_s: float | None = Field(default=None, gt=0, le=120, description="For kind=slow.")
    path: str | None = Field(default=None, description="One of the API paths; null or '*' = every path.")
    count: int | None = Field(
        default=None, ge=1, description="Apply to the next N requests; null = until cleared."
    )

    @model_validator(mode="after")
    def check_kind_fields(self) -> FaultSpec:
        if self.kind == "status" and self.status is None:
            raise ValueError("kind 'status' needs 'status' (an HTTP code 400..599)")
        if self.kind == "slow" and self.delay_s is None:
            raise ValueError("kind 'slow' needs 'delay_s' (seconds, > 0)")
        if self.path == "*":
            self.path = None
        if self.path is not None and self.path not in API_PATHS:
            raise ValueError(f"unknown path {self.path!r}; use one of {', '.join(API_PATHS)} or '*'")
        return self


class Fault(FaultSpec):
    """An active fault: its spec plus an id and how many more times it fires (None = unlimited)."""

    id: int
    remaining: int | None = None

    def matches(self, path: str) -> bool:
        return self.path is None or self.path == path


@dataclass
class FaultBook:
    """The active faults, in the order they were added."""

    faults: list[Fault] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add(self, spec: FaultSpec) -> Fault:
        fault = Fault(**spec.model_dump(), id=next(self.ids), remaining=spec.count)
        self.faults.append(fault)
        return fault

    def clear(self) -> int:
        removed = len(self.faults)
        self.faults.clear()
        return removed

    def remove(self, fault_id: int) -> bool:
        before = len(self.faults)
        self.faults = [fault for fault in self.faults if fault.id != fault_id]
        return len(self.faults) < before

    def take(self, path: str) -> list[Fault]:
        """The faults that fire for this request; counted ones are used up."""
        fired: list[Fault] = []
        for fault in list(self.faults):
            if not fault.matches(path):
                continue
            fired.append(fault)
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
        return fired


@dataclass
class RequestStats:
    """How many API requests (admin requests excluded) reached the fake, per path, and faults fired."""

    requests: Counter[str] = field(default_factory=Counter)
    faults_fired: int = 0

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def reset(self) -> None:
        self.requests.clear()
        self.faults_fired = 0

    def as_json(self) -> dict[str, object]:
        return {"total": self.total, "requests": dict(self.requests), "faults_fired": self.faults_fired}
