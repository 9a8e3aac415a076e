"""A server's live ``notifications/tools/list_changed`` reaches the client's registry at once."""

from __future__ import annotations

import anyio
import httpx
import pytest

from harness.fixtures.client import serve_stack, toy_catalog

pytestmark = pytest.mark.anyio


async def test_live_list_changed_refreshes_the_registry_without_waiting_for_the_probe() -> None:
    # The periodic probe is a minute away: only the notification can explain a refresh within the wait.
    overrides = {"catalog": {"mode": "legacy", "health_interval_s": 60}}
    async with (
        serve_stack([toy_catalog()], upstream_overrides=overrides) as stack,
        httpx.AsyncClient() as http,
    ):
        catalog = stack.client_app.state.runtime.pool["catalog"]
        assert catalog.protocol_version == "2025-11-25"

        async def listed() -> set[str]:
            response = await http.get(f"{stack.client_url}/v1/tools")
            return {t["name"] for t in response.json()["tools"]}

        assert await listed() == {"catalog__publish"}
        published = await http.post(
            f"{stack.client_url}/v1/tools/catalog__publish/call", json={"name": "echo"}
        )
        assert published.status_code == 200 and published.json()["isError"] is False, published.text
        with anyio.fail_after(5):
            while "catalog__echo" not in await listed():  # noqa: ASYNC110
                await anyio.sleep(0.02)  # bounded poll of /v1/tools, not a synchronising sleep
        echoed = await http.post(f"{stack.client_url}/v1/tools/catalog__echo/call", json={"text": "hi"})
        assert echoed.status_code == 200 and echoed.json()["structuredContent"] == {"result": "hi"}
        assert catalog.connections == 1  # the same session: no reconnect refreshed the list either
