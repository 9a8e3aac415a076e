"""Hostile requests at the real gateway (toy servers → real client → real gateway, loopback sockets).

For every kind in :data:`tests.security.cases.CASES`: the answer is one the table states (never a 5xx
unless stated), it comes within the case's deadline, a well-behaved caller with its own key is served
while the hostile request is in flight, and neither credential appears in the captured logs.
"""

from __future__ import annotations

import logging
import time

import anyio
import httpx
import jwt
import pytest

from harness.fixtures.client import serve_stack
from tests.security.cases import CASES, Case, Target

pytestmark = pytest.mark.anyio
SECRET = "hostile-suite-secret-of-32-bytes-min!"
SUITE_GATEWAY = {
    "jwt": {"hs256_secret": SECRET},
    "header_timeout_s": 1.0,
    "body_timeout_s": 1.0,
    "rate_limit": "100/minute",  # per caller and per case (a fresh stack each): only the flood meets it
}


def mallory_token() -> str:
    claims = {
        "sub": "mallory",
        "aud": "mcp-harness",
        "iss": "mcp-harness",
        "exp": int(time.time()) + 600,
        "tools": ["weather__*", "client__find_tools"],
    }
    return jwt.encode(claims, SECRET, algorithm="HS256")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_hostile_request(case: Case, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with serve_stack(gateway_overrides=SUITE_GATEWAY) as stack, httpx.AsyncClient() as http:
        target = Target(stack.gateway_url, stack.api_key, mallory_token())
        statuses: list[int | None] = []

        async def hostile() -> None:
            statuses.extend(await case.send(target))

        with anyio.fail_after(case.deadline_s + 2):
            async with anyio.create_task_group() as tg:
                tg.start_soon(hostile)
                good = await http.post(
                    f"{stack.gateway_url}/v1/tools/weather__get_weather/call",
                    json={"city": "Oslo"},
                    headers={"X-API-Key": stack.api_key},
                )
                with anyio.fail_after(case.deadline_s):
                    while not statuses:  # noqa: ASYNC110
                        await anyio.sleep(0.01)
    assert statuses and set(statuses) <= case.expect, (case.name, sorted(map(str, set(statuses))))
    assert not any(s is not None and s >= 500 and s not in case.expect for s in statuses)
    assert good.status_code == 200 and good.json()["structuredContent"]["result"]["city"] == "Oslo", good.text
    for secret in (stack.api_key, target.mallory_jwt, SECRET):
        assert secret not in caplog.text
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors
