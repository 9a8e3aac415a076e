"""Locust as child processes: headless, standalone or a master with N workers, as Locust documents.

``import locust`` monkey-patches a process with gevent, so Locust never runs inside the process that
hosts an asyncio deployment; this module only builds command lines, starts them with anyio, reads
the stats CSV Locust rewrites every second (for a live progress line) and waits, bounded, for the end.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import anyio
from anyio.abc import Process

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().with_name("locustfile.py")
CSV_PREFIX = "locust"
EXIT_GRACE_S = 60.0


class LocustFailed(RuntimeError):
    """Locust did not run (bad options, a locustfile error, a crash); the message quotes its log."""


@dataclass
class LocustPlan:
    host: str
    users: int
    spawn_rate: float
    run_time_s: float
    report_dir: Path
    workers: int = 0
    locustfile: Path = LOCUSTFILE
    env: dict[str, str] = field(default_factory=dict)
    master_port: int | None = None
    user_classes: list[str] = field(default_factory=list)  # empty: every user class of the locustfile

    @property
    def csv_prefix(self) -> Path:
        return self.report_dir / CSV_PREFIX

    def common(self) -> list[str]:
        return [sys.executable, "-m", "locust", "-f", str(self.locustfile), "--loglevel", "WARNING"]

    def main_command(self) -> list[str]:
        command = [
            *self.common(),
            "--headless",
            "--host", self.host,
            "--users", str(self.users),
            "--spawn-rate", f"{self.spawn_rate:g}",
            "--run-time", f"{max(1, round(self.run_time_s))}s",
            "--stop-timeout", "5",
            "--csv", str(self.csv_prefix),
            "--csv-full-history",
            "--html", str(self.report_dir / "locust.html"),
            "--exit-code-on-error", "0",
            "--only-summary",
            *self.user_classes,
        ]  # fmt: skip
        if self.workers:
            command += [
                "--master",
                "--master-bind-host", "127.0.0.1",
                "--master-bind-port", str(self.master_port),
                "--expect-workers", str(self.workers),
                "--expect-workers-max-wait", "30",
            ]  # fmt: skip
        return command

    def worker_command(self) -> list[str]:
        return [
            *self.common(),
            "--worker",
            "--master-host",
            "127.0.0.1",
            "--master-port",
            str(self.master_port),
        ]


@dataclass(frozen=True)
class Progress:
    elapsed_s: float
    requests: int
    failures: int
    rps: float
    p95_ms: float


def read_progress(stats_csv: Path, elapsed_s: float) -> Progress | None:
    """The Aggregated row of Locust's live stats file (None before Locust first writes it)."""
    try:
        with stats_csv.open(newline="") as handle:
            rows = [row for row in csv.DictReader(handle) if row.get("Name") == "Aggregated"]
    except OSError:
        return None
    if not rows:
        return None
    row = rows[-1]

    def number(key: str) -> float:
        try:
            return float(row.get(key) or 0)
        except ValueError:  # "N/A" before the first request
            return 0.0

    return Progress(
        elapsed_s,
        int(number("Request Count")),
        int(number("Failure Count")),
        number("Requests/s"),
        number("95%"),
    )


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


async def run_locust(
    plan: LocustPlan,
    on_progress: Callable[[Progress], None] | None = None,
    load_started: anyio.Event | None = None,
) -> None:
    """Run the plan to its end (bounded); ``load_started`` is set once Locust reports its first stats.

    Raises :class:`LocustFailed` when Locust cannot run or does not finish in time.
    """
    env = {**os.environ, **plan.env}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    main_log = plan.report_dir / ("locust-master.log" if plan.workers else "locust.log")
    processes: list[Process] = []
    logs: list[IO[bytes]] = []
    started = time.time()

    async def start(command: list[str], log: Path) -> Process:
        logs.append(log.open("wb"))
        process = await anyio.open_process(command, env=env, stdout=logs[-1], stderr=subprocess.STDOUT)
        processes.append(process)
        return process

    try:
        main = await start(plan.main_command(), main_log)
        for index in range(plan.workers):
            await start(plan.worker_command(), plan.report_dir / f"locust-worker-{index + 1}.log")
        deadline = started + plan.run_time_s + EXIT_GRACE_S + (30 if plan.workers else 0)
        stats_csv = Path(f"{plan.csv_prefix}_stats.csv")
        while main.returncode is None:
            if time.time() > deadline:
                raise LocustFailed(f"Locust did not finish in time; its log ends:\n{log_tail(main_log)}")
            with anyio.move_on_after(1.0):
                await main.wait()
            progress = read_progress(stats_csv, time.time() - started)
            if progress is not None:
                if load_started is not None:
                    load_started.set()
                if on_progress is not None:
                    on_progress(progress)
        for worker in processes[1:]:
            with anyio.move_on_after(15):
                await worker.wait()
        if main.returncode != 0:
            raise LocustFailed(f"Locust exited with {main.returncode}; its log ends:\n{log_tail(main_log)}")
    finally:
        with anyio.CancelScope(shield=True):
            for process in processes:
                if process.returncode is None:
                    process.terminate()
                    with anyio.move_on_after(5):
                        await process.wait()
                    if process.returncode is None:
                        process.kill()
                        await process.wait()
        for handle in logs:
            handle.close()
