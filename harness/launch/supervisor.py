"""Supervise service processes like a kubelet supervises pods: readiness, restart policy, back-off, stop.

Each :class:`Pod` runs one :class:`~harness.launch.child.ChildProcess` at a time. When it exits the pod
applies Kubernetes' restart policy — ``Always`` restarts, ``OnFailure`` restarts only after a non-zero
exit (a signal counts as failure), ``Never`` leaves it down — after an exponential back-off (doubling
from ``backoff_initial_s`` to ``backoff_max_s``, reset once a run lasted ``backoff_reset_s``; Kubernetes'
own 10 s → 5 min is scaled down so experiments finish in seconds). A pod is *ready* only once its
readiness probe (HTTP health endpoint, Redis PING or a TCP accept) answers; nothing is "up" before.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio
from anyio.abc import TaskGroup

from harness.launch.child import ChildProcess, ChildSpec

logger = logging.getLogger(__name__)
ReadinessProbe = Callable[[], Awaitable[bool]]


class RestartPolicy(enum.StrEnum):
    ALWAYS = "Always"
    ON_FAILURE = "OnFailure"
    NEVER = "Never"

    def restarts_after(self, exit_code: int) -> bool:
        return self is RestartPolicy.ALWAYS or (self is RestartPolicy.ON_FAILURE and exit_code != 0)


class PodState(enum.StrEnum):
    STARTING = "starting"
    READY = "ready"
    UNREADY = "unready"  # running, but the readiness probe never answered within its timeout
    BACKOFF = "backoff"
    EXITED = "exited"  # down for good (policy says no restart, or the supervisor is stopping)


class PodNotReady(RuntimeError):
    """A pod did not become ready within its readiness timeout (the message names it and its log)."""


@dataclass
class PodOptions:
    restart_policy: RestartPolicy = RestartPolicy.ALWAYS
    backoff_initial_s: float = 0.1
    backoff_max_s: float = 5.0
    backoff_reset_s: float = 10.0
    ready_timeout_s: float = 20.0
    grace_s: float = 3.0


@dataclass
class Pod:
    """One supervised service: the current process, its state, how often it was restarted."""

    spec: ChildSpec
    ready: ReadinessProbe
    options: PodOptions = field(default_factory=PodOptions)
    state: PodState = PodState.STARTING
    restarts: int = 0
    last_exit: int | None = None
    process: ChildProcess | None = None
    became_ready: anyio.Event = field(default_factory=anyio.Event)
    _restart_now: anyio.Event = field(default_factory=anyio.Event)
    _stopping: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "pid": self.pid,
            "state": str(self.state),
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "restart_policy": str(self.options.restart_policy),
            "log": str(self.spec.log_path),
        }

    async def _await_ready(self) -> None:
        deadline = time.monotonic() + self.options.ready_timeout_s
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return
            if await self.ready():
                self.state = PodState.READY
                self.became_ready.set()
                return
            await anyio.sleep(0.05)
        self.state = PodState.UNREADY
        logger.warning(
            "%s not ready after %.0f s; see %s", self.name, self.options.ready_timeout_s, self.spec.log_path
        )

    async def _wait_exit(self) -> int:
        assert self.process is not None
        # Popen has no async wait, and a blocked thread per pod would hold anyio's thread limiter
        while (code := self.process.poll()) is None:  # noqa: ASYNC110
            await anyio.sleep(0.02)
        return code

    async def run(self) -> None:
        """Start, watch, restart per policy until :meth:`stop`."""
        backoff = self.options.backoff_initial_s
        while not self._stopping:
            self.state = PodState.STARTING
            self.became_ready = anyio.Event()
            started = time.monotonic()
            # spawned from the event loop's own thread, never a pooled worker: PR_SET_PDEATHSIG fires when
            # the forking *thread* exits, and the pool retires idle workers (their pods were SIGKILLed)
            self.process = ChildProcess(self.spec)
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._await_ready)
                code = await self._wait_exit()
                tg.cancel_scope.cancel()
            self.last_exit = code
            if self._stopping:
                break
            if time.monotonic() - started >= self.options.backoff_reset_s:
                backoff = self.options.backoff_initial_s
            if not self.options.restart_policy.restarts_after(code):
                logger.warning(
                    "%s exited with %s; restart policy %s: not restarted",
                    self.name,
                    code,
                    self.options.restart_policy,
                )
                self.state = PodState.EXITED
                await self._restart_now.wait()  # an explicit restart still brings it back
                self._restart_now = anyio.Event()
                continue
            self.state = PodState.BACKOFF
            logger.warning("%s exited with %s; restarting in %.2f s", self.name, code, backoff)
            with anyio.move_on_after(backoff):
                await self._restart_now.wait()
            self._restart_now = anyio.Event()
            backoff = min(backoff * 2, self.options.backoff_max_s)
            self.restarts += 1
        self.state = PodState.EXITED

    async def restart(self) -> None:
        """Stop gracefully and start again at once (no back-off), whatever the policy."""
        self._restart_now.set()
        if self.process is not None and self.process.poll() is None:
            await anyio.to_thread.run_sync(self.process.stop, self.options.grace_s)

    async def stop(self) -> None:
        self._stopping = True
        self._restart_now.set()
        if self.process is not None:
            code = await anyio.to_thread.run_sync(self.process.stop, self.options.grace_s)
            self.last_exit = code


class Supervisor:
    """Runs pods in a task group; :meth:`start` returns once the pod is ready (or raises)."""

    def __init__(self, task_group: TaskGroup) -> None:
        self._tg = task_group
        self.pods: dict[str, Pod] = {}

    async def start(self, pod: Pod) -> Pod:
        self.pods[pod.name] = pod
        self._tg.start_soon(pod.run, name=f"pod {pod.name}")
        with anyio.move_on_after(pod.options.ready_timeout_s + 1):
            while not pod.became_ready.is_set():
                if pod.state in (PodState.UNREADY, PodState.EXITED, PodState.BACKOFF):
                    break
                await anyio.sleep(0.02)
        if pod.state is not PodState.READY:
            tail = _tail(pod.spec.log_path)
            raise PodNotReady(
                f"{pod.name} did not become ready ({pod.state}); log {pod.spec.log_path}:\n{tail}"
            )
        return pod

    def pod(self, name: str) -> Pod:
        try:
            return self.pods[name]
        except KeyError:
            raise KeyError(f"no pod named {name!r}; known: {sorted(self.pods)}") from None

    async def stop_all(self) -> None:
        """Stop pods in reverse start order (dependents before their dependencies)."""
        for pod in reversed(list(self.pods.values())):
            await pod.stop()


def _tail(path: object, lines: int = 15) -> str:
    try:
        with open(str(path), errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return "(no log)"
