"""The experiment engine: phase order, verdicts, and rollback that always happens once injection started."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from chaos.experiments import (
    Experiment,
    ExperimentContext,
    Phase,
    PropertyViolated,
    Step,
    Verdict,
    run_experiment,
)


class Recorder:
    """Builds experiments whose steps log their names; ``overrides`` replace individual steps."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def step(self, name: str, body: Callable[[ExperimentContext], None] | None = None) -> Step:
        async def run(ctx: ExperimentContext) -> None:
            self.calls.append(name)
            if body is not None:
                body(ctx)

        return run

    def experiment(self, **overrides: Step | float) -> Experiment:
        steps: dict[str, Step | float] = {
            name: self.step(name)
            for name in ("hypothesis", "inject", "observe", "rollback", "verify", "cleanup")
        }
        steps.update(overrides)
        return Experiment(name="demo", description="a test experiment", **steps)  # type: ignore[arg-type]


def violate(reason: str) -> Callable[[ExperimentContext], None]:
    def body(ctx: ExperimentContext) -> None:
        ctx.check(False, reason)

    return body


def crash(ctx: ExperimentContext) -> None:
    raise RuntimeError("boom")


@pytest.mark.anyio
async def test_a_holding_experiment_runs_every_phase_in_order_and_passes() -> None:
    recorder = Recorder()
    experiment = recorder.experiment(
        observe=recorder.step("observe", lambda ctx: ctx.record("p95_ms", 12.34567))
    )
    result = await run_experiment(experiment)
    assert recorder.calls == ["hypothesis", "inject", "observe", "rollback", "verify", "cleanup"]
    assert result.verdict is Verdict.PASS and result.held
    assert result.reason is None and result.phase is None
    assert result.injected and result.rolled_back
    assert result.measurements["p95_ms"] == 12.3457
    assert "rollback_s" in result.measurements
    assert result.duration_s >= 0
    assert result.as_json()["verdict"] == "pass"


@pytest.mark.anyio
async def test_steady_state_not_holding_means_no_injection_and_no_rollback() -> None:
    recorder = Recorder()
    result = await run_experiment(
        recorder.experiment(hypothesis=recorder.step("hypothesis", violate("api down")))
    )
    assert recorder.calls == ["hypothesis", "cleanup"]
    assert result.verdict is Verdict.ERROR
    assert result.phase is Phase.HYPOTHESIS
    assert result.reason == "steady state did not hold before injection: api down"
    assert not result.injected and not result.rolled_back


@pytest.mark.anyio
async def test_a_violated_property_during_the_fault_fails_and_still_rolls_back_and_verifies() -> None:
    recorder = Recorder()
    result = await run_experiment(
        recorder.experiment(observe=recorder.step("observe", violate("p95 leaked")))
    )
    assert recorder.calls == ["hypothesis", "inject", "observe", "rollback", "verify", "cleanup"]
    assert result.verdict is Verdict.FAIL
    assert result.phase is Phase.OBSERVE and result.reason == "p95 leaked"
    assert result.rolled_back


@pytest.mark.anyio
async def test_the_first_problem_is_the_one_reported() -> None:
    recorder = Recorder()
    result = await run_experiment(
        recorder.experiment(
            observe=recorder.step("observe", violate("first")),
            verify=recorder.step("verify", violate("second")),
        )
    )
    assert result.reason == "first" and result.phase is Phase.OBSERVE


@pytest.mark.anyio
async def test_a_crashing_step_is_an_error_and_rollback_still_runs() -> None:
    recorder = Recorder()
    result = await run_experiment(recorder.experiment(observe=recorder.step("observe", crash)))
    assert "rollback" in recorder.calls
    assert result.verdict is Verdict.ERROR
    assert result.reason == "observe step crashed: RuntimeError: boom"


@pytest.mark.anyio
async def test_a_half_done_injection_is_rolled_back() -> None:
    recorder = Recorder()
    result = await run_experiment(recorder.experiment(inject=recorder.step("inject", crash)))
    assert recorder.calls == ["hypothesis", "inject", "rollback", "verify", "cleanup"]
    assert result.verdict is Verdict.ERROR and result.phase is Phase.INJECT
    assert result.rolled_back


@pytest.mark.anyio
async def test_a_failing_verify_still_leaves_the_fault_rolled_back() -> None:
    recorder = Recorder()
    result = await run_experiment(recorder.experiment(verify=recorder.step("verify", crash)))
    assert recorder.calls.index("rollback") < recorder.calls.index("verify")
    assert result.verdict is Verdict.ERROR and result.phase is Phase.VERIFY and result.rolled_back


@pytest.mark.anyio
async def test_a_failed_rollback_is_an_error_and_skips_verify() -> None:
    recorder = Recorder()
    result = await run_experiment(recorder.experiment(rollback=recorder.step("rollback", crash)))
    assert "verify" not in recorder.calls and "cleanup" in recorder.calls
    assert result.verdict is Verdict.ERROR and result.phase is Phase.ROLLBACK
    assert not result.rolled_back


@pytest.mark.anyio
async def test_a_hanging_rollback_is_bounded_by_its_timeout() -> None:
    async def hang(ctx: ExperimentContext) -> None:
        await anyio.sleep_forever()

    recorder = Recorder()
    with anyio.fail_after(5):
        result = await run_experiment(recorder.experiment(rollback=hang, rollback_timeout_s=0.2))
    assert result.verdict is Verdict.ERROR and result.reason == "rollback step exceeded 0.2 s"


@pytest.mark.anyio
async def test_a_step_over_its_timeout_is_an_error_and_is_rolled_back() -> None:
    async def slow(ctx: ExperimentContext) -> None:
        await anyio.sleep_forever()

    recorder = Recorder()
    with anyio.fail_after(5):
        result = await run_experiment(recorder.experiment(observe=slow, step_timeout_s=0.2))
    assert result.verdict is Verdict.ERROR and result.phase is Phase.OBSERVE
    assert "rollback" in recorder.calls


@pytest.mark.anyio
async def test_cancellation_during_the_fault_rolls_back_then_propagates() -> None:
    recorder = Recorder()
    observing = anyio.Event()

    async def observe(ctx: ExperimentContext) -> None:
        observing.set()
        await anyio.sleep_forever()

    async def slow_rollback(ctx: ExperimentContext) -> None:
        await anyio.sleep(0.05)  # a rollback that awaits must survive the cancellation (shielded)
        recorder.calls.append("rollback")

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(run_experiment, recorder.experiment(observe=observe, rollback=slow_rollback))
            await observing.wait()
            tg.cancel_scope.cancel()
    assert recorder.calls == ["hypothesis", "inject", "rollback", "cleanup"]


@pytest.mark.anyio
async def test_a_violation_inside_a_task_group_is_a_failure_not_a_crash() -> None:
    async def observe(ctx: ExperimentContext) -> None:
        async def worker() -> None:
            ctx.check(False, "duplicate ledger entry")

        async with anyio.create_task_group() as tg:
            tg.start_soon(worker)

    result = await run_experiment(Recorder().experiment(observe=observe))
    assert result.verdict is Verdict.FAIL and result.reason == "duplicate ledger entry"


def test_experiments_refuse_bad_definitions() -> None:
    recorder = Recorder()
    with pytest.raises(ValueError, match="needs a name"):
        Experiment(
            name=" ",
            description="",
            hypothesis=recorder.step("hypothesis"),
            inject=recorder.step("inject"),
            observe=recorder.step("observe"),
            rollback=recorder.step("rollback"),
        )
    with pytest.raises(ValueError, match="timeouts must be > 0"):
        recorder.experiment(rollback_timeout_s=0)


def test_property_violated_is_what_check_raises() -> None:
    with pytest.raises(PropertyViolated, match="why"):
        ExperimentContext().check(False, "why")
    ExperimentContext().check(True, "never raised")
