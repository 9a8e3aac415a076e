"""The services' logs of one scenario, in a file instead of on the console.

In-process services log through :mod:`logging`; while a scenario runs, every record (INFO and up)
goes to its file and nothing reaches the console (the root's other handlers, and Python's last-resort
handler, are set aside and restored after). :meth:`ServiceLogs.tail` gives the lines worth showing
when the scenario failed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

QUIET_LOGGERS = ("client", "servers", "chaos", "mcp", "httpx", "uvicorn")
FORMAT = "%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s"


class ServiceLogs:
    def __init__(self, path: Path, level: int = logging.INFO) -> None:
        self.path = path
        self.level = level
        self.handler: logging.FileHandler | None = None
        self.saved: list[logging.Handler] = []
        self.saved_level = logging.NOTSET

    def __enter__(self) -> ServiceLogs:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        root = logging.getLogger()
        self.saved, self.saved_level = list(root.handlers), root.level
        for handler in self.saved:
            root.removeHandler(handler)
        self.path.write_text("")
        # append mode: uvicorn's dictConfig closes every handler, and only an "a" handler reopens
        self.handler = logging.FileHandler(self.path, mode="a", encoding="utf-8")
        self.handler.setFormatter(logging.Formatter(FORMAT, datefmt="%H:%M:%S"))
        root.addHandler(self.handler)
        root.setLevel(self.level)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        root = logging.getLogger()
        if self.handler is not None:
            root.removeHandler(self.handler)
            self.handler.close()
        for handler in self.saved:
            root.addHandler(handler)
        root.setLevel(self.saved_level)

    def tail(self, lines: int = 12, min_level: str = "WARNING") -> list[str]:
        """The last ``lines`` lines at ``min_level`` or above (a failure's relevant part)."""
        levels = {"WARNING": ("WARNING", "ERROR", "CRITICAL"), "ERROR": ("ERROR", "CRITICAL")}[min_level]
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return []
        return [line for line in text if any(f" {lvl} " in line for lvl in levels)][-lines:]


@contextmanager
def quiet_services(names: tuple[str, ...] = QUIET_LOGGERS) -> Iterator[None]:
    """Faults make the services log loudly; a summary says what matters. Levels are restored after."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
