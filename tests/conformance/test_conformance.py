"""The official conformance suite against the correct fixture server, for both spec versions."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.conformance.runner import missing_reason, run_conformance
from tests.contract_targets.serving import serve_fixture

pytestmark = pytest.mark.skipif(missing_reason() is not None, reason=str(missing_reason()))


@pytest.mark.anyio
# conformance 0.1.16 has no 2026-07-28 scenarios (it runs nothing and exits 1); 0.2.0 pre-releases add them.
@pytest.mark.parametrize("spec_version", ["2025-11-25"])
async def test_fixture_server_passes_official_conformance(spec_version: str, tmp_path: Path) -> None:
    with anyio.fail_after(300):
        async with serve_fixture(None) as url:
            run = await anyio.to_thread.run_sync(run_conformance, url, spec_version, tmp_path)
    assert run.returncode == 0, run.output[-4000:]
