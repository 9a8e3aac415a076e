"""The options a user gives a run, in one typed object shared by the CLI and the pytest plugin, turned
into a :class:`Target` and :class:`ContractSettings` in one place (bad values → TargetError)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from harness.contract.options import build_target, parse_examples
from harness.contract.settings import ContractSettings
from harness.contract.target import Target, TargetError


@dataclass
class RunOptions:
    target: str
    stdio: bool = False
    headers: list[str] = field(default_factory=list)
    ca: str | None = None
    cert: str | None = None
    key: str | None = None
    examples: list[str] = field(default_factory=list)
    skip_tools: list[str] = field(default_factory=list)
    only_tools: list[str] = field(default_factory=list)
    allow_destructive: bool = False
    read_only_only: bool = False
    call_timeout_s: float | None = None
    restart_cmd: str | None = None
    sandbox_dir: str | None = None
    long_tool: str | None = None
    long_tool_args: str = "{}"
    seed: int | None = None
    fuzz_examples: int | None = None

    def build(self) -> tuple[Target, ContractSettings]:
        target = build_target(
            self.target, stdio=self.stdio, headers=self.headers, ca=self.ca, cert=self.cert, key=self.key
        )
        try:
            long_tool_arguments = json.loads(self.long_tool_args)
        except ValueError as exc:
            raise TargetError(f"--long-tool-args is not JSON: {exc}") from exc
        values: dict[str, object] = {
            "long_tool": self.long_tool,
            "long_tool_arguments": long_tool_arguments,
            "known_good": parse_examples(self.examples),
            "skip_tools": tuple(self.skip_tools),
            "only_tools": tuple(self.only_tools),
            "allow_destructive": self.allow_destructive,
            "read_only_only": self.read_only_only,
            "restart_cmd": self.restart_cmd,
            "sandbox_dir": Path(self.sandbox_dir) if self.sandbox_dir else None,
        }
        if self.call_timeout_s is not None:
            values["call_timeout_s"] = self.call_timeout_s
        if self.seed is not None:
            values["fuzz_seed"] = self.seed
        if self.fuzz_examples is not None:
            values["fuzz_valid_examples"] = values["fuzz_invalid_examples"] = self.fuzz_examples
        if self.restart_cmd and self.stdio:
            raise TargetError("--restart-cmd is for HTTP targets (a stdio process is respawned by itself)")
        try:
            return target, ContractSettings.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise TargetError(problems) from exc
