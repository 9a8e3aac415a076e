"""The timeline of a scenario: steps run in order (``parallel`` runs its steps together).

Faults are Toxiproxy's toxics and proxy switches (so the same file drives the embedded proxy or a
real Toxiproxy) and the process runner's pod faults; calls are scripted ``tools/call``s through the
gateway, each recorded under a label the expectations select; ``use`` runs a named step for what
YAML cannot say (see :mod:`harness.scenario.named`); ``load`` runs the Locust workload.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from harness.scenario.agent_model import AgentStep
from harness.scenario.fields import Label, OneOf, Seconds, Strict


class AddToxic(Strict):
    proxy: str = Field(description="the proxied edge, e.g. client-weather")
    type: Literal[
        "latency", "down", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data", "noop"
    ]
    name: str | None = Field(None, description="default: <type>_<stream>")
    stream: Literal["upstream", "downstream"] = "downstream"
    toxicity: float = Field(1.0, ge=0, le=1, description="share of connections hit (rolled from the seed)")
    attributes: dict[str, Any] = Field(default_factory=dict)

    @property
    def toxic_name(self) -> str:
        return self.name or f"{self.type}_{self.stream}"


class RemoveToxic(Strict):
    proxy: str
    name: str


class PodFault(Strict):
    """A pod fault of the process runner (``topology.runner: process``)."""

    fault: Literal["kill", "stop", "freeze", "thaw", "cpu-hog", "restart"]
    service: str
    duration: Seconds = Field(10.0, description="cpu-hog only")
    workers: int = Field(1, ge=1, le=16, description="cpu-hog only")


class StopAfter(Strict):
    code: str = Field(description="an error code in the answer, e.g. circuit_open")
    count: int = Field(1, ge=1)


class Call(Strict):
    """``times`` calls of ``tool`` (``concurrency`` at once), recorded under ``as``.

    Argument strings may hold ``{run}`` (a per-run namespace), ``{n}`` (the call's number) and
    ``{uniform:LO:HI}`` (a number drawn from the scenario's seed); a string that is only a
    placeholder becomes a number.
    """

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    as_: Label = Field(alias="as")
    times: int = Field(1, ge=1, le=10_000)
    concurrency: int = Field(1, ge=1, le=256)
    timeout: Seconds = Field(10.0, description="our own patience per call")
    auth: Literal["key", "none", "wrong"] = Field("key", description="the API key, none, or a wrong one")
    until: Literal["ok"] | None = Field(None, description="repeat until an answer is ok (recovery)")
    until_matches: dict[str, Any] | None = Field(
        None, description="with until: the ok answer's structuredContent must also contain this"
    )
    within: Seconds = Field(10.0, description="with until: give up after this long")
    interval: Seconds = Field(0.1, description="with until: pause between attempts")
    stop_after: StopAfter | None = Field(None, description="stop repeating once this many answers had code")


class Breaker(Strict):
    """Read the client's breaker state for ``upstream`` from ``/metrics`` (0 closed, 1 open, 2 half-open)."""

    upstream: Literal["weather", "wallet", "knowledge"]
    as_: Label = Field(alias="as")
    until: Literal["closed", "open", "half_open"] | None = None
    within: Seconds = 10.0


class Use(Strict):
    """A named step (``mcp-harness run --list-steps`` lists them) with its arguments."""

    step: str
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    as_: Label | None = Field(None, alias="as")

    @model_validator(mode="after")
    def known(self) -> Use:
        from harness.scenario.named import check_use

        try:
            check_use(self)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{self.step}: with.{where}: {first['msg']}") from None
        return self


class Load(Strict):
    """The reference Locust workload (issue 7's) against the gateway, recorded under ``as``."""

    users: int = Field(5, ge=1, le=500)
    spawn_rate: float = Field(5.0, gt=0)
    run_time: Seconds = 10.0
    as_: Label = Field("load", alias="as")


class Step(OneOf):
    """One entry of ``steps``: exactly one action (plus an optional ``title``)."""

    title: str | None = Field(None, description="shown in the report's timeline")
    toxic: AddToxic | None = None
    remove_toxic: RemoveToxic | None = None
    disable: str | None = Field(None, description="disable a proxy: its edge refuses connections")
    enable: str | None = None
    pod: PodFault | None = None
    wait: Seconds | None = None
    call: Call | None = None
    breaker: Breaker | None = None
    use: Use | None = None
    load: Load | None = None
    agent: AgentStep | None = Field(None, description="one agent turn through the gateway")
    parallel: list[Step] | None = Field(None, description="these steps at the same time")
    sequence: list[Step] | None = Field(None, description="these steps in order (e.g. inside parallel)")

    @classmethod
    def common_keys(cls) -> set[str]:
        return {"title"}
