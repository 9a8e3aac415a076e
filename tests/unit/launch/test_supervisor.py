"""The supervisor with tiny child processes: restart policies, back-off, graceful stop, readiness, no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio
import psutil
import pytest

from harness.launch.child import ChildProcess, ChildSpec
from harness.launch.supervisor import Pod, PodNotReady, PodOptions, PodState, RestartPolicy, Supervisor

QUICK = {"backoff_initial_s": 0.05, "backoff_max_s": 0.2, "ready_timeout_s": 5.0, "grace_s": 0.5}


async def always_ready() -> bool:
    return True


def python_pod(tmp_path: Path, code: str, policy: RestartPolicy, **options: float) -> Pod:
    spec = ChildSpec(name="toy", argv=[sys.executable, "-c", code], log_path=tmp_path / "toy.log")
    return Pod(
        spec=spec, ready=always_ready, options=PodOptions(restart_policy=policy, **{**QUICK, **options})
    )


def test_restart_policies_follow_kubernetes() -> None:
    assert RestartPolicy.ALWAYS.restarts_after(0) and RestartPolicy.ALWAYS.restarts_after(1)
    assert RestartPolicy.ON_FAILURE.restarts_after(1) and RestartPolicy.ON_FAILURE.restarts_after(-9)
    assert not RestartPolicy.ON_FAILURE.restarts_after(0)
    assert not RestartPolicy.NEVER.restarts_after(1)


async def wait_until(condition: object, within_s: float) -> None:
    with anyio.fail_after(within_s):
        while not condition():  # type: ignore[operator]  # noqa: ASYNC110 - polling a process state
            await anyio.sleep(0.02)


@pytest.mark.anyio
async def test_always_restarts_a_crashing_pod_with_growing_back_off(tmp_path: Path) -> None:
    pod = python_pod(tmp_path, "import time, sys; time.sleep(0.2); sys.exit(3)", RestartPolicy.ALWAYS)
    async with anyio.create_task_group() as tg:
        supervisor = Supervisor(tg)
        await supervisor.start(pod)
        first = pod.pid
        started = time.monotonic()
        await wait_until(lambda: pod.restarts >= 3, within_s=15)
        elapsed = time.monotonic() - started
        assert pod.last_exit == 3 and pod.pid != first
        # three runs of 0.2 s plus back-offs 0.05 + 0.1 + 0.2: at least 0.95 s in all
        assert elapsed >= 0.9, elapsed
        await supervisor.stop_all()
        tg.cancel_scope.cancel()
    assert pod.spec.log_path.read_text().count("--- start") >= 4  # one log file across restarts


@pytest.mark.anyio
async def test_never_and_on_failure_leave_a_pod_down_when_they_should(tmp_path: Path) -> None:
    never = python_pod(tmp_path, "import time, sys; time.sleep(0.2); sys.exit(1)", RestartPolicy.NEVER)
    clean = python_pod(tmp_path, "import time; time.sleep(0.2)", RestartPolicy.ON_FAILURE)
    failing = python_pod(tmp_path, "import time, sys; time.sleep(0.2); sys.exit(2)", RestartPolicy.ON_FAILURE)
    clean.spec = ChildSpec(name="clean", argv=clean.spec.argv, log_path=tmp_path / "clean.log")
    failing.spec = ChildSpec(name="failing", argv=failing.spec.argv, log_path=tmp_path / "failing.log")
    async with anyio.create_task_group() as tg:
        supervisor = Supervisor(tg)
        for pod in (never, clean, failing):
            await supervisor.start(pod)
        await wait_until(lambda: failing.restarts >= 1 and never.state is PodState.EXITED, within_s=10)
        await wait_until(lambda: clean.state is PodState.EXITED, within_s=10)
        assert never.restarts == 0 and never.last_exit == 1
        assert clean.restarts == 0 and clean.last_exit == 0
        await supervisor.stop_all()
        tg.cancel_scope.cancel()


@pytest.mark.anyio
async def test_stop_sends_sigterm_then_sigkill_after_the_grace_period(tmp_path: Path) -> None:
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('armed' + 'now', flush=True); time.sleep(60)"
    )
    pod = python_pod(tmp_path, stubborn, RestartPolicy.ALWAYS, grace_s=0.3)
    async with anyio.create_task_group() as tg:
        supervisor = Supervisor(tg)
        await supervisor.start(pod)
        await wait_until(lambda: "armednow" in pod.spec.log_path.read_text(), within_s=5)
        started = time.monotonic()
        await supervisor.stop_all()
        took = time.monotonic() - started
        tg.cancel_scope.cancel()
    assert pod.last_exit == -signal.SIGKILL, pod.last_exit
    assert 0.25 <= took < 3, took
    assert pod.restarts == 0  # a stopping supervisor does not restart


@pytest.mark.anyio
async def test_a_pod_that_never_answers_its_probe_is_not_ready(tmp_path: Path) -> None:
    async def never() -> bool:
        return False

    pod = python_pod(tmp_path, "import time; time.sleep(30)", RestartPolicy.ALWAYS, ready_timeout_s=0.5)
    pod.ready = never
    async with anyio.create_task_group() as tg:
        supervisor = Supervisor(tg)
        with pytest.raises(PodNotReady, match="toy did not become ready"):
            await supervisor.start(pod)
        await supervisor.stop_all()
        tg.cancel_scope.cancel()


LAUNCHER = """
import sys, time
from pathlib import Path
from harness.launch.child import ChildProcess, ChildSpec
child = ChildProcess(ChildSpec(name="c", argv=[sys.executable, "-c", "import time; time.sleep(60)"],
                               log_path=Path(sys.argv[1])))
print(child.pid, flush=True)
time.sleep(60)
"""


def test_children_die_with_a_launcher_killed_by_sigkill(tmp_path: Path) -> None:
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, str(tmp_path / "c.log")],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        assert launcher.stdout is not None
        child_pid = int(launcher.stdout.readline())
        child = psutil.Process(child_pid)
        assert child.ppid() == launcher.pid and os.getpgid(child_pid) == child_pid  # own process group
        launcher.kill()  # no clean-up code runs in the launcher
        launcher.wait(timeout=5)
        _gone, alive = psutil.wait_procs([child], timeout=5)
        assert not alive, f"child {child_pid} outlived its launcher"
    finally:
        launcher.kill()


def test_a_group_signal_reaches_a_child_and_stop_reports_its_exit(tmp_path: Path) -> None:
    child = ChildProcess(
        ChildSpec(
            name="c", argv=[sys.executable, "-c", "import time; time.sleep(60)"], log_path=tmp_path / "c.log"
        )
    )
    assert child.signal_group(signal.SIGSTOP)
    with pytest.raises(psutil.TimeoutExpired):
        psutil.Process(child.pid).wait(timeout=0.2)
    assert psutil.Process(child.pid).status() == psutil.STATUS_STOPPED
    assert child.stop(grace_s=2) == -signal.SIGTERM  # SIGCONT after SIGTERM: a frozen child still stops
    assert not child.signal_group(signal.SIGTERM)


@pytest.mark.anyio
async def test_a_pod_outlives_the_worker_threads_that_served_the_launcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PR_SET_PDEATHSIG fires when the *thread* that forked the child exits: a pod spawned from a pooled
    worker thread was SIGKILLed once the pool retired that thread (after 10 idle seconds)."""
    from anyio._backends import _asyncio as anyio_asyncio

    monkeypatch.setattr(anyio_asyncio.WorkerThread, "MAX_IDLE_TIME", 0.0)  # retire idle workers at once
    pod = python_pod(tmp_path, "import time; time.sleep(60)", RestartPolicy.NEVER)
    async with anyio.create_task_group() as tg:
        supervisor = Supervisor(tg)
        await supervisor.start(pod)
        process = pod.process
        assert process is not None
        for _ in range(3):  # busy several workers at once, then one call retires all idle but one
            async with anyio.create_task_group() as busy:
                for _ in range(4):
                    busy.start_soon(anyio.to_thread.run_sync, time.sleep, 0.05)
            await anyio.to_thread.run_sync(time.sleep, 0.01)

        def retired() -> bool:
            import threading

            return sum(t.name == "AnyIO worker thread" for t in threading.enumerate()) <= 1

        await wait_until(retired, within_s=5)
        with anyio.move_on_after(1.0):  # a SIGKILL from the kernel would show within this second
            while process.poll() is None:  # noqa: ASYNC110 - polling a process state
                await anyio.sleep(0.02)
        assert process.poll() is None, f"the pod died with {process.poll()} when a worker thread retired"
        await supervisor.stop_all()
        tg.cancel_scope.cancel()
