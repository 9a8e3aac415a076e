"""The project's reference servers (weather, wallet, knowledge) hold every MUST over HTTP (both
protocol versions) and over stdio (``mcp-harness serve NAME --transport stdio``)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import anyio
import pytest

from harness.contract.runner import run_contract
from harness.contract.settings import ContractSettings
from harness.contract.target import Target

ROOT = Path(__file__).resolve().parents[3]
try:
    from servers.common.runner import serve_http
    from servers.registry import server_specs

    SPECS = dict(server_specs())
except Exception as exc:  # the servers are optional for this suite; say why they are missing
    SPECS, MISSING = {}, f"{type(exc).__name__}: {exc}"
else:
    MISSING = ""

SETTINGS = ContractSettings(fuzz_valid_examples=6, fuzz_invalid_examples=6, check_timeout_s=40)


@pytest.mark.anyio
@pytest.mark.parametrize("name", sorted(SPECS) or ["(none)"])
async def test_reference_server_over_http_holds_every_must(name: str) -> None:
    if not SPECS:
        pytest.skip(f"servers.registry does not import: {MISSING}")
    spec = SPECS[name]
    settings = spec.load_settings(path="/mcp")
    started = time.perf_counter()
    with anyio.fail_after(120):
        async with spec.open(settings) as server, serve_http(server, settings) as listening:
            report = await run_contract(Target.http(f"{listening.base_url}/mcp"), settings=SETTINGS)
    print(
        f"{name} over HTTP: {report.counts()} in {time.perf_counter() - started:.1f} s; "
        f"findings {[r.name for r in report.findings()]}"
    )
    assert report.passed, [(r.name, r.why) for r in report.results if r.breaks_run]


@pytest.mark.anyio
@pytest.mark.parametrize("name", sorted(SPECS) or ["(none)"])
async def test_reference_server_over_stdio_holds_every_must(name: str) -> None:
    if not SPECS:
        pytest.skip(f"servers.registry does not import: {MISSING}")
    target = Target.stdio(
        [sys.executable, "-m", "harness.cli", "serve", name, "--transport", "stdio"], cwd=str(ROOT)
    )
    started = time.perf_counter()
    with anyio.fail_after(120):
        report = await run_contract(target, settings=SETTINGS)
    print(
        f"{name} over stdio: {report.counts()} in {time.perf_counter() - started:.1f} s; "
        f"findings {[r.name for r in report.findings()]}"
    )
    assert report.passed, [(r.name, r.why) for r in report.results if r.breaks_run]
