"""A server's live ``notifications/tools/list_changed`` reaches the client's registry at once.

Legacy sessions receive it on the session itself; 2026-07-28 sessions on the ``subscriptions/listen``
stream the supervisor holds open. A server that serves no such stream is still refreshed, by the probe.
"""

from __future__ import annotations

import logging

import anyio
import httpx
import pytest

from harness.fixtures.client import serve_stack, toy_catalog

pytestmark = pytest.mark.anyio


async def listed(http: httpx.AsyncClient, client_url: str) -> set[str]:
    response = await http.get(f"{client_url}/v1/tools")
    return {t["name"] for t in response.json()["tools"]}


async def wait_listed(http: httpx.AsyncClient, client_url: str, name: str, timeout_s: float) -> None:
    with anyio.fail_after(timeout_s):
        while name not in await listed(http, client_url):  # noqa: ASYNC110
            await anyio.sleep(0.02)  # bounded poll of /v1/tools, not a synchronising sleep


@pytest.mark.parametrize(
    ("mode", "protocol_version"), [("auto", "2026-07-28"), ("legacy", "2025-11-25")], ids=["auto", "legacy"]
)
async def test_live_list_changed_refreshes_the_registry_without_waiting_for_the_probe(
    mode: str, protocol_version: str
) -> None:
    # The periodic probe is a minute away: only the notification can explain a refresh within the wait.
    overrides = {"catalog": {"mode": mode, "health_interval_s": 60}}
    with anyio.fail_after(20):
        async with (
            serve_stack([toy_catalog()], upstream_overrides=overrides) as stack,
            httpx.AsyncClient() as http,
        ):
            catalog = stack.client_app.state.runtime.pool["catalog"]
            assert catalog.protocol_version == protocol_version
            assert await listed(http, stack.client_url) == {"catalog__publish"}
            published = await http.post(
                f"{stack.client_url}/v1/tools/catalog__publish/call", json={"name": "echo"}
            )
            assert published.status_code == 200 and published.json()["isError"] is False, published.text
            await wait_listed(http, stack.client_url, "catalog__echo", timeout_s=5)
            echoed = await http.post(f"{stack.client_url}/v1/tools/catalog__echo/call", json={"text": "hi"})
            assert echoed.status_code == 200 and echoed.json()["structuredContent"] == {"result": "hi"}
            assert catalog.connections == 1  # the same session: no reconnect refreshed the list either


async def test_a_server_without_listen_streams_is_refreshed_by_the_probe(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="client.change_stream")
    overrides = {"catalog": {"mode": "auto", "health_interval_s": 0.2}}
    with anyio.fail_after(20):
        async with (
            serve_stack([toy_catalog(listen=False)], upstream_overrides=overrides) as stack,
            httpx.AsyncClient() as http,
        ):
            catalog = stack.client_app.state.runtime.pool["catalog"]
            assert catalog.protocol_version == "2026-07-28"
            published = await http.post(
                f"{stack.client_url}/v1/tools/catalog__publish/call", json={"name": "echo"}
            )
            assert published.status_code == 200 and published.json()["isError"] is False, published.text
            await wait_listed(http, stack.client_url, "catalog__echo", timeout_s=5)
            assert catalog.connections == 1 and catalog.last_error is None
    unsupported = [r for r in caplog.records if "subscriptions/listen" in r.getMessage()]
    assert unsupported and all(r.levelno == logging.DEBUG for r in unsupported)
