"""``--sandbox-dir DIR``: a stdio target runs in a throw-away copy of DIR (its working directory),
so tools that write — a git server creating branches, say — change the copy, never DIR itself.
The copy is removed when the run ends."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from harness.contract.target import Target, TargetError


@contextmanager
def sandboxed(target: Target, directory: Path | None) -> Iterator[Target]:
    """``target`` itself, or a copy of it whose cwd is a fresh copy of ``directory``."""
    if directory is None:
        yield target
        return
    if target.kind != "stdio":
        raise TargetError("--sandbox-dir applies to stdio targets (an HTTP server runs where it runs)")
    if not Path(directory).is_dir():
        raise TargetError(f"--sandbox-dir: not a directory: {directory}")
    with tempfile.TemporaryDirectory(prefix="mcph-contract-sandbox-") as scratch:
        copy = Path(scratch) / Path(directory).resolve().name
        shutil.copytree(directory, copy, symlinks=True)
        yield replace(target, cwd=str(copy))
