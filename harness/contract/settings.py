"""Typed knobs of a contract run: deadlines, fuzzing budget and seed, the tool used for cancellation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ContractSettings(BaseModel):
    """Every wait in a run is bounded by one of these."""

    request_timeout_s: float = Field(default=10.0, gt=0, description="one request, one answer")
    check_timeout_s: float = Field(default=30.0, gt=0, description="one whole check")
    fuzz_valid_examples: int = Field(default=20, ge=0, description="per tool")
    fuzz_invalid_examples: int = Field(default=20, ge=0, description="per tool")
    fuzz_seed: int = 20260728
    fuzz_call_timeout_s: float = Field(default=5.0, gt=0, description="deadline for each fuzzed call")
    structured_samples: int = Field(default=3, ge=1, description="valid calls per tool for outputSchema")
    long_tool: str | None = Field(default=None, description="a tool that runs for seconds, to cancel")
    long_tool_arguments: dict[str, Any] = Field(default_factory=dict)
    cancel_grace_s: float = Field(default=3.0, gt=0, description="how soon a cancelled call must end")
    max_pages: int = Field(default=100, ge=1)
    skip_tools: tuple[str, ...] = Field(default=(), description="tools never called (side effects)")
    hostile_origin: str = "http://attacker.invalid"
