"""What a run knows about its target's health across checks and versions, and how a dead HTTP
target comes back: ``--restart-cmd CMD`` is started (it may be the server itself, running in the
foreground) and the target polled until it answers. Without it, a target that died stays dead and
the rest of the run is reported as not run, with the reason."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Awaitable, Callable

import anyio
import anyio.abc

from harness.contract.settings import ContractSettings

POLL_S = 0.1


class RunState:
    """Shared by every check of a run: has the target ever answered, is it dead, can it be revived."""

    def __init__(self, settings: ContractSettings) -> None:
        self.settings = settings
        self.answered = False
        self.dead: str | None = None  # why the rest of the run cannot happen
        self.deaths: list[tuple[str, str]] = []  # (protocol version, what happened)
        self.restarts = 0
        self.lock = anyio.Lock()  # one look at the target's health at a time
        self._started: list[anyio.abc.Process] = []

    @property
    def can_restart(self) -> bool:
        return bool(self.settings.restart_cmd)

    async def restart(self, answers: Callable[[], Awaitable[bool]]) -> str | None:
        """Run the restart command and wait until ``answers()``; None on success, else why not."""
        command = self.settings.restart_cmd
        if not command:
            return "no --restart-cmd was given"
        try:
            process = await anyio.open_process(
                ["/bin/sh", "-c", command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            return f"--restart-cmd could not start: {exc}"
        self._started.append(process)
        self.restarts += 1
        with anyio.move_on_after(self.settings.restart_timeout_s):
            while True:
                if await answers():
                    return None
                if process.returncode not in (None, 0):
                    return f"--restart-cmd exited with status {process.returncode}"
                await anyio.sleep(POLL_S)
        return f"the target did not answer within {self.settings.restart_timeout_s:g} s of --restart-cmd"

    async def aclose(self) -> None:
        """End the processes --restart-cmd started (their process groups, started by us)."""
        for process in self._started:
            if process.returncode is None:
                with contextlib.suppress(OSError):
                    os.killpg(process.pid, signal.SIGTERM)
                with anyio.move_on_after(5, shield=True):
                    await process.wait()
                if process.returncode is None:
                    with contextlib.suppress(OSError):
                        os.killpg(process.pid, signal.SIGKILL)
            await process.aclose()
        self._started.clear()
