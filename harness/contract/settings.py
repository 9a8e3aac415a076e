"""Typed knobs of a contract run: deadlines, fuzzing budget and seed, which tools may be called,
known-good calls, and how a dead target is brought back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field


class ContractSettings(BaseModel):
    """Every wait in a run is bounded by one of these."""

    request_timeout_s: float = Field(default=10.0, gt=0, description="one request, one answer")
    check_timeout_s: float = Field(default=60.0, gt=0, description="one whole check")
    call_timeout_s: float = Field(
        default=5.0, gt=0, description="silence allowed in one tools/call; each progress note restarts it"
    )
    call_max_s: float = Field(default=120.0, gt=0, description="longest one call may take, progress or not")
    fuzz_valid_examples: int = Field(default=20, ge=0, description="per tool")
    fuzz_invalid_examples: int = Field(default=20, ge=0, description="per tool")
    fuzz_seed: int = 20260728
    fuzz_concurrency: int = Field(default=4, ge=1, description="fuzzed calls in flight at once")
    check_concurrency: int = Field(default=4, ge=1, description="independent checks run at once")
    shrink_attempts: int = Field(default=40, ge=0, description="calls spent shrinking one failing example")
    shrink_budget_s: float = Field(default=20.0, gt=0, description="seconds spent shrinking one example")
    structured_samples: int = Field(default=3, ge=1, description="valid calls per tool for outputSchema")
    long_tool: str | None = Field(default=None, description="a tool that runs for seconds, to cancel")
    long_tool_arguments: dict[str, Any] = Field(default_factory=dict)
    cancel_grace_s: float = Field(default=3.0, gt=0, description="how soon a cancelled call must end")
    max_pages: int = Field(default=100, ge=1)
    skip_tools: tuple[str, ...] = Field(default=(), description="names or globs of tools never called")
    only_tools: tuple[str, ...] = Field(default=(), description="if given, only these names or globs")
    allow_destructive: bool = Field(default=False, description="call tools annotated destructiveHint: true")
    read_only_only: bool = Field(default=False, description="call only tools annotated readOnlyHint: true")
    known_good: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="tool name → argument objects known to succeed"
    )
    restart_cmd: str | None = Field(default=None, description="shell command that brings a dead target back")
    restart_timeout_s: float = Field(default=30.0, gt=0)
    sandbox_dir: Path | None = Field(default=None, description="stdio: run in a throw-away copy of this dir")
    hostile_origin: str = "http://attacker.invalid"
