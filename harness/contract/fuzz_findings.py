"""From failing fuzz calls to one finding per tool: the culprit replayed alone (with several calls in
flight, the one that fails again by itself), shrunk while the target fails it the same way, and
described with the tool, the exact arguments, the protocol version and a one-line reproduction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.contract.context import CheckContext
from harness.contract.fuzz_calls import CallOutcome, call_once, settle
from harness.contract.reproduce import one_liner, shown
from harness.contract.shrinking import shrink

KIND_PHRASE = {"died": "the target died", "hang": "no answer (hang)", "bad": "a broken answer"}


@dataclass
class Case:
    label: str
    arguments: Any


@dataclass
class Finding:
    tool: str
    version: str
    label: str
    arguments: Any
    outcome: CallOutcome
    shrinking: str
    reproduction: str
    reproduced: bool = True  # False: it did not fail again when called alone

    @property
    def load_dependent(self) -> bool:
        """A slow or broken answer seen only among concurrent calls (a server that works through its
        input one call at a time is not hung): noted, not a finding. A death always counts."""
        return not self.reproduced and self.outcome.kind != "died"

    def describe(self) -> str:
        return (
            f"{self.tool} [{self.version}]: {KIND_PHRASE[self.outcome.kind]} — {self.outcome.detail}; "
            f"arguments ({self.label}; {self.shrinking}): {shown(self.arguments)}; "
            f"reproduce: {shown(self.reproduction, 600)}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "protocol_version": self.version,
            "kind": self.outcome.kind,
            "detail": self.outcome.detail,
            "waited_s": round(self.outcome.waited_s, 3),
            "example": self.label,
            "arguments": self.arguments,
            "shrinking": self.shrinking,
            "reproduction": self.reproduction,
        }


async def replay_alone(
    ctx: CheckContext, name: str, failures: list[tuple[Case, CallOutcome]]
) -> tuple[Case, CallOutcome] | None:
    """The first failing case that fails the same way when called by itself (None: none did)."""
    await settle(ctx, [outcome for _, outcome in failures])
    for case, outcome in failures:
        if ctx.connector.run.dead:
            return None
        again = await call_once(ctx, name, case.arguments)
        if again.kind == outcome.kind:
            return case, again
    return None


async def isolate_and_shrink(
    ctx: CheckContext, name: str, failures: list[tuple[Case, CallOutcome]]
) -> Finding:
    case, outcome = failures[0]
    arguments = case.arguments
    reproduced = True
    if ctx.connector.run.dead:
        shrinking = "not shrunk: the target is down and no --restart-cmd brought it back"
    else:
        culprit = await replay_alone(ctx, name, failures)
        if culprit is None:
            shrinking = "not shrunk: did not fail again when replayed alone (flaky or load-dependent)"
            reproduced = False
        else:
            case, outcome = culprit
            latest = [outcome]

            async def still_fails(candidate: Any) -> bool:
                if ctx.connector.run.dead:
                    return False
                again = await call_once(ctx, name, candidate)
                if again.kind == outcome.kind:
                    latest.append(again)
                    return True
                return False

            settings = ctx.settings
            shrunk = await shrink(
                case.arguments, still_fails, settings.shrink_attempts, settings.shrink_budget_s
            )
            arguments, outcome = shrunk.arguments, latest[-1]
            shrinking = f"delta-{shrunk.account()}"
    body, headers = outcome.sent or ({"method": "tools/call", "params": {"name": name}}, {})
    reproduction = one_liner(ctx.target, ctx.version, body, headers)
    return Finding(name, ctx.version, case.label, arguments, outcome, shrinking, reproduction, reproduced)
