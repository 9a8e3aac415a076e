"""mTLS between the client and a server: the right certificate connects; none, or another CA's, is refused."""

from __future__ import annotations

import ssl

import anyio
import httpx
import pytest

from client.app import create_client_app
from client.settings import ClientSettings, UpstreamSettings
from harness.fixtures.client import MtlsMaterial, serve_toy, toy_weather
from servers.common.asgi_serving import serve_asgi

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_client_with_its_certificate_lists_and_calls_over_mtls(
    mtls_material: MtlsMaterial, mode: str
) -> None:
    async with serve_toy(toy_weather(), tls=mtls_material.server_tls()) as url:
        assert url.startswith("https://")
        upstream = UpstreamSettings(name="weather", url=url, mode=mode, tls=mtls_material.client_tls())
        app = create_client_app(ClientSettings(upstreams=[upstream]))
        with anyio.fail_after(15):
            async with serve_asgi(app) as client, httpx.AsyncClient() as http:
                assert (await http.get(f"{client.base_url}/readyz")).status_code == 200
                result = await http.post(
                    f"{client.base_url}/v1/tools/weather__get_weather/call", json={"city": "Oslo"}
                )
                assert result.status_code == 200 and result.json()["isError"] is False


@pytest.mark.parametrize("rogue", [False, True], ids=["no-client-cert", "cert-from-another-ca"])
async def test_server_refuses_a_client_without_a_trusted_certificate(
    mtls_material: MtlsMaterial, rogue: bool
) -> None:
    async with serve_toy(toy_weather(), tls=mtls_material.server_tls()) as url:
        tls = mtls_material.client_tls(with_cert=rogue, rogue=rogue)
        upstream = UpstreamSettings(name="weather", url=url, tls=tls, connect_timeout_s=3)
        app = create_client_app(ClientSettings(upstreams=[upstream]))
        with anyio.fail_after(15):
            async with serve_asgi(app) as client, httpx.AsyncClient() as http:
                ready = await http.get(f"{client.base_url}/readyz")
                assert ready.status_code == 503
                error = ready.json()["upstreams"]["weather"]["error"]
                assert "ExceptionGroup" not in error and "certificate" in error, error
                call = await http.post(f"{client.base_url}/v1/tools/weather__get_weather/call", json={})
                assert call.status_code == 404  # never connected: its tools are unknown
        assert toy_weather().control.invocations["get_weather"] == 0
        print(f"\nrefused ({'rogue' if rogue else 'none'}): {error}")


async def test_plain_http_client_cannot_reach_an_mtls_server(mtls_material: MtlsMaterial) -> None:
    async with (
        serve_toy(toy_weather(), tls=mtls_material.server_tls()) as url,
        httpx.AsyncClient(verify=ssl.create_default_context(cafile=mtls_material.ca_file)) as http,
    ):
        with anyio.fail_after(5), pytest.raises(httpx.HTTPError):
            await http.post(url, json={})
