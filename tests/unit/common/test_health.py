"""The health report names each backend, its latency, and degrades when one fails or hangs."""

from __future__ import annotations

import anyio
import pytest

from servers.common.health import BackendCheck, check_health

pytestmark = pytest.mark.anyio


async def ok() -> None:
    return None


async def broken() -> None:
    raise ConnectionError("refused")


async def hangs() -> None:
    await anyio.sleep(30)


async def test_all_ok() -> None:
    report = await check_health("s", [BackendCheck("mongo", "mongo", ok)], timeout_s=1)
    assert report.status == "ok"
    assert report.backends[0].ok and report.backends[0].latency_ms >= 0


async def test_failure_and_hang_degrade_without_hiding_others() -> None:
    checks = [
        BackendCheck("mongo", "mongo", ok),
        BackendCheck("redis", "redis", broken),
        BackendCheck("api", "http", hangs),
    ]
    with anyio.fail_after(5):
        report = await check_health("s", checks, timeout_s=0.2)
    by_name = {b.name: b for b in report.backends}
    assert report.status == "degraded"
    assert by_name["mongo"].ok
    assert by_name["redis"].error == "ConnectionError: refused"
    assert by_name["api"].error == "no answer within 0.2 s"
