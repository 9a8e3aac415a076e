"""A timeline of network faults applied through a Toxiproxy API while load runs, and the windows it makes.

The file (YAML)::

    steps:
      - at: 10s
        add: {proxy: client-weather, type: latency, name: slow-weather, attributes: {latency: 300}}
      - at: 20s
        remove: {proxy: client-weather, name: slow-weather}

``add`` takes Toxiproxy's toxic fields (``type``, ``name``, ``stream``, ``toxicity``, ``attributes``);
``disable``/``enable`` take a proxy name. Each step's actual time is recorded; the steps cut the run
into windows, so a summary can say what every tool did while each fault was on. Toxics the timeline
added and did not remove are removed at the end, whatever happened.
"""

from __future__ import annotations

import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import anyio
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from load.durations import parse_duration


class BadTimeline(ValueError):
    """The faults file cannot be used; the message says where and why."""


class ToxicsApi(Protocol):
    """The calls of :class:`chaos.client.ToxiproxyClient` the timeline needs."""

    async def add_toxic(
        self, proxy: str, type: str, *, name: str | None = ..., stream: str = ..., toxicity: float = ...,
        attributes: Any = ...,
    ) -> Any: ...  # fmt: skip
    async def remove_toxic(self, proxy: str, toxic: str) -> None: ...
    async def update_proxy(self, name: str, *, enabled: bool | None = ...) -> Any: ...


class AddToxic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    proxy: str
    type: str
    name: str | None = None
    stream: str = "downstream"
    toxicity: float = Field(default=1.0, ge=0, le=1)
    attributes: dict[str, Any] = Field(default_factory=dict)

    @property
    def toxic_name(self) -> str:
        return self.name or f"{self.type}_{self.stream}"


class RemoveToxic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    proxy: str
    name: str


class FaultStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: float
    add: AddToxic | None = None
    remove: RemoveToxic | None = None
    disable: str | None = None
    enable: str | None = None

    @field_validator("at", mode="before")
    @classmethod
    def seconds(cls, value: Any) -> float:
        return parse_duration(value)

    @model_validator(mode="after")
    def one_action(self) -> FaultStep:
        actions = [a for a in (self.add, self.remove, self.disable, self.enable) if a is not None]
        if len(actions) != 1:
            raise ValueError("a step takes exactly one of add, remove, disable, enable")
        return self

    @property
    def label(self) -> str:
        if self.add is not None:
            return f"+{self.add.type} {self.add.proxy}"
        if self.remove is not None:
            return f"-{self.remove.name} {self.remove.proxy}"
        return f"disable {self.disable}" if self.disable else f"enable {self.enable}"


class FaultTimeline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    steps: list[FaultStep]

    @model_validator(mode="after")
    def in_order(self) -> FaultTimeline:
        self.steps.sort(key=lambda s: s.at)
        return self


def load_timeline(path: Path) -> FaultTimeline:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise BadTimeline(f"cannot read {path}: {exc}") from None
    if isinstance(data, list):
        data = {"steps": data}
    try:
        return FaultTimeline.model_validate(data)
    except (ValidationError, ValueError) as exc:
        raise BadTimeline(f"{path}: {exc}") from None


@dataclass(frozen=True)
class AppliedStep:
    at: float  # epoch seconds it took effect
    step: FaultStep
    error: str | None = None

    @property
    def label(self) -> str:
        return self.step.label


@dataclass(frozen=True)
class Window:
    start: float
    end: float
    label: str  # the faults on during the window ("no fault" when none)


async def apply_step(api: ToxicsApi, step: FaultStep, added: dict[tuple[str, str], AddToxic]) -> None:
    if step.add is not None:
        a = step.add
        await api.add_toxic(
            a.proxy, a.type, name=a.toxic_name, stream=a.stream, toxicity=a.toxicity, attributes=a.attributes
        )
        added[(a.proxy, a.toxic_name)] = a
    elif step.remove is not None:
        await api.remove_toxic(step.remove.proxy, step.remove.name)
        added.pop((step.remove.proxy, step.remove.name), None)
    else:
        await api.update_proxy(step.disable or step.enable or "", enabled=step.enable is not None)


async def run_timeline(
    api: ToxicsApi, timeline: FaultTimeline, started: float, until: float
) -> list[AppliedStep]:
    """Apply each step at ``started + at`` (epoch seconds), stop at ``until``, then roll back what is left."""
    applied: list[AppliedStep] = []
    added: dict[tuple[str, str], AddToxic] = {}
    disabled: set[str] = set()
    try:
        for step in timeline.steps:
            due = started + step.at
            if due >= until:
                break
            await anyio.sleep(max(0.0, due - time.time()))
            try:
                await apply_step(api, step, added)
                applied.append(AppliedStep(time.time(), step))
            except Exception as exc:  # an API error is reported in the summary, the run goes on
                applied.append(AppliedStep(time.time(), step, f"{type(exc).__name__}: {exc}"))
            if step.disable:
                disabled.add(step.disable)
            if step.enable:
                disabled.discard(step.enable)
    finally:
        with anyio.CancelScope(shield=True):
            for proxy, name in list(added):
                with suppress(Exception):  # best effort: the proxy may be gone with the deployment
                    await api.remove_toxic(proxy, name)
            for proxy in disabled:
                with suppress(Exception):
                    await api.update_proxy(proxy, enabled=True)
    return applied


def windows(applied: list[AppliedStep], start: float, end: float) -> list[Window]:
    """The spans between successful steps; each is labelled by the faults in effect during it."""
    result: list[Window] = []
    active: dict[tuple[str, str], str] = {}
    cursor = start
    for applied_step in applied:
        step = applied_step.step
        if applied_step.error is not None or not (start < applied_step.at < end):
            continue
        result.append(Window(cursor, applied_step.at, ", ".join(active.values()) or "no fault"))
        if step.add is not None:
            active[(step.add.proxy, step.add.toxic_name)] = step.label
        elif step.remove is not None:
            active.pop((step.remove.proxy, step.remove.name), None)
        elif step.disable is not None:
            active[(step.disable, "")] = step.label
        else:
            active.pop((step.enable or "", ""), None)
        cursor = applied_step.at
    result.append(Window(cursor, end, ", ".join(active.values()) or "no fault"))
    return [w for w in result if w.end > w.start]
