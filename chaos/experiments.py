"""Chaos experiments: steady-state hypothesis → inject → observe → roll back (always) → verify recovery.

An :class:`Experiment` is five async steps over one :class:`ExperimentContext`; :func:`run_experiment`
runs them in that order and returns an :class:`ExperimentResult` — it never raises for a failed
experiment, only for cancellation (after rolling back):

1. **hypothesis** — the steady state must hold *before* anything is broken; if it does not, nothing is
   injected and the verdict is ``error`` (the experiment could not test its property).
2. **inject** — break something (add a toxic, disable a proxy, make a fake API fail).
3. **observe** — measure and check the property *during* the fault.
4. **rollback** — undo the injection. It runs whenever inject *started*: after success, after a failed or
   crashed observe, and on cancellation (shielded), each time bounded by ``rollback_timeout_s``.
5. **verify** — after a successful rollback, the system must recover (measured even when observe failed;
   the first problem found is the one reported).
6. **cleanup** — releases what the steps opened (e.g. HTTP clients); runs last, always, shielded.

Steps report a broken property by raising :class:`PropertyViolated` (``ctx.check(cond, why)`` does it);
verdict ``fail``. Any other exception, a step exceeding ``step_timeout_s``, or a failed rollback is
verdict ``error``. Measurements recorded with ``ctx.record`` are kept whatever the verdict.

Written here because no maintained asyncio chaos library fits: Chaos Toolkit is synchronous, process-
and JSON-file-oriented (actions are subprocesses or Python calls run in threads), and cannot share an
event loop with an in-process deployment; this module is the small core we need, and it imports
nothing of the servers, the client or the harness.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

Measurement = float | int | str | bool | None


class PropertyViolated(Exception):
    """The property an experiment guards does not hold; the message says how."""


class Verdict(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


class Phase(enum.StrEnum):
    HYPOTHESIS = "hypothesis"
    INJECT = "inject"
    OBSERVE = "observe"
    ROLLBACK = "rollback"
    VERIFY = "verify"
    CLEANUP = "cleanup"


@dataclass
class ExperimentContext:
    """What steps share: ``measurements`` (reported) and ``facts`` (private scratch, e.g. baselines)."""

    measurements: dict[str, Measurement] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def record(self, name: str, value: Measurement) -> None:
        self.measurements[name] = round(value, 4) if isinstance(value, float) else value

    def check(self, condition: bool, reason: str) -> None:
        """Raise :class:`PropertyViolated` with ``reason`` unless ``condition`` holds."""
        if not condition:
            raise PropertyViolated(reason)


Step = Callable[[ExperimentContext], Awaitable[None]]


async def nothing(ctx: ExperimentContext) -> None:
    """A step that does nothing (e.g. an experiment without a recovery check)."""


@dataclass(frozen=True)
class Experiment:
    """A named fault experiment; see the module docstring for the order its steps run in."""

    name: str
    description: str
    hypothesis: Step
    inject: Step
    observe: Step
    rollback: Step
    verify: Step = nothing
    cleanup: Step = nothing  # releases what the steps opened (clients); runs last, always
    step_timeout_s: float = 60.0
    rollback_timeout_s: float = 15.0

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("an experiment needs a name")
        if self.step_timeout_s <= 0 or self.rollback_timeout_s <= 0:
            raise ValueError(f"{self.name}: timeouts must be > 0")


@dataclass(frozen=True)
class ExperimentResult:
    """The outcome of one run: verdict, why (when not ``pass``), where, what was measured, how long."""

    name: str
    verdict: Verdict
    measurements: dict[str, Measurement]
    reason: str | None
    phase: Phase | None  # the phase that failed or errored; None when the experiment held
    injected: bool
    rolled_back: bool
    duration_s: float

    @property
    def held(self) -> bool:
        return self.verdict is Verdict.PASS

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "phase": self.phase.value if self.phase else None,
            "injected": self.injected,
            "rolled_back": self.rolled_back,
            "duration_s": round(self.duration_s, 3),
            "measurements": dict(self.measurements),
        }


@dataclass
class _Outcome:
    verdict: Verdict = Verdict.PASS
    reason: str | None = None
    phase: Phase | None = None

    def note(self, verdict: Verdict, phase: Phase, reason: str) -> None:
        if self.verdict is Verdict.PASS:  # the first problem is the one reported
            self.verdict, self.phase, self.reason = verdict, phase, reason


def describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def first_violation(group: BaseExceptionGroup[BaseException]) -> PropertyViolated | None:
    for exc in group.exceptions:
        if isinstance(exc, PropertyViolated):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = first_violation(exc)
            if found is not None:
                return found
    return None


async def _run_step(
    step: Step, ctx: ExperimentContext, phase: Phase, timeout_s: float, outcome: _Outcome
) -> bool:
    """Run one step; record a failure in ``outcome`` and return whether it completed cleanly."""
    try:
        with anyio.fail_after(timeout_s):
            await step(ctx)
    except PropertyViolated as exc:
        verdict = Verdict.ERROR if phase is Phase.HYPOTHESIS else Verdict.FAIL
        prefix = "steady state did not hold before injection: " if phase is Phase.HYPOTHESIS else ""
        outcome.note(verdict, phase, f"{prefix}{exc}")
        return False
    except TimeoutError:
        outcome.note(Verdict.ERROR, phase, f"{phase.value} step exceeded {timeout_s:g} s")
        return False
    except ExceptionGroup as group:  # a check failed inside a task group the step opened
        violation = first_violation(group)
        if violation is None:
            outcome.note(Verdict.ERROR, phase, f"{phase.value} step crashed: {describe(group.exceptions[0])}")
        else:
            outcome.note(Verdict.ERROR if phase is Phase.HYPOTHESIS else Verdict.FAIL, phase, str(violation))
        return False
    except Exception as exc:  # an experiment reports a crashing step instead of raising it
        outcome.note(Verdict.ERROR, phase, f"{phase.value} step crashed: {describe(exc)}")
        return False
    return True


async def _roll_back(experiment: Experiment, ctx: ExperimentContext, outcome: _Outcome) -> bool:
    """Roll back, shielded from cancellation and bounded by ``rollback_timeout_s``."""
    done = False
    with anyio.CancelScope(shield=True):
        started = time.perf_counter()
        done = await _run_step(
            experiment.rollback, ctx, Phase.ROLLBACK, experiment.rollback_timeout_s, outcome
        )
        ctx.record("rollback_s", time.perf_counter() - started)
    return done


async def run_experiment(experiment: Experiment) -> ExperimentResult:
    """Run ``experiment`` to a verdict; rollback always follows a started injection (also on cancel)."""
    ctx = ExperimentContext()
    outcome = _Outcome()
    started = time.perf_counter()
    injected = rolled_back = False
    limit = experiment.step_timeout_s
    try:
        try:
            if await _run_step(experiment.hypothesis, ctx, Phase.HYPOTHESIS, limit, outcome):
                injected = True  # a half-done injection is rolled back too
                if await _run_step(experiment.inject, ctx, Phase.INJECT, limit, outcome):
                    await _run_step(experiment.observe, ctx, Phase.OBSERVE, limit, outcome)
        finally:
            if injected:
                rolled_back = await _roll_back(experiment, ctx, outcome)
        if injected and rolled_back:  # recovery is checked (and measured) even after a failed observe
            await _run_step(experiment.verify, ctx, Phase.VERIFY, limit, outcome)
    finally:
        with anyio.CancelScope(shield=True):
            await _run_step(experiment.cleanup, ctx, Phase.CLEANUP, experiment.rollback_timeout_s, outcome)
    return ExperimentResult(
        name=experiment.name,
        verdict=outcome.verdict,
        measurements=dict(ctx.measurements),
        reason=outcome.reason,
        phase=outcome.phase,
        injected=injected,
        rolled_back=rolled_back,
        duration_s=time.perf_counter() - started,
    )


__all__ = [
    "Experiment",
    "ExperimentContext",
    "ExperimentResult",
    "Measurement",
    "Phase",
    "PropertyViolated",
    "Step",
    "Verdict",
    "nothing",
    "run_experiment",
]
