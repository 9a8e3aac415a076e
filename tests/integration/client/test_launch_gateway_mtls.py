"""The launcher puts the gateway→client edge on mTLS: only the gateway (holding the certificate issued
for it) reaches the client's ``/mcp`` and REST; ``mtls=False`` keeps the plain edge. The gateway's
deadline is set longer than the client's longest call deadline."""

from __future__ import annotations

import ssl

import anyio
import httpx
import pytest

from harness.launch.inprocess import LaunchOptions, launch
from harness.mcp_http import open_mcp_client
from harness.mcp_wire import tool_call
from harness.topology import reference_topology

pytestmark = pytest.mark.anyio
DEPOSIT = {"account": "intruder", "amount": 10**12, "idempotency_key": "intruder-1"}


async def test_default_deployment_client_refuses_all_but_the_gateway() -> None:
    options = LaunchOptions(topology=reference_topology(proxied=False), redis="fake")
    with anyio.fail_after(90):
        async with launch(options) as deployment:
            endpoints = deployment.endpoints
            assert endpoints.client and endpoints.client.startswith("https://"), endpoints.client
            assert endpoints.client_tls is not None
            https_base = endpoints.client.removesuffix("/mcp")
            plain_base = "http://" + https_base.removeprefix("https://")
            body, headers = tool_call("wallet__deposit", DEPOSIT)
            async with httpx.AsyncClient(timeout=5) as plain:  # plain HTTP to a TLS port
                with pytest.raises(httpx.HTTPError):
                    await plain.post(f"{plain_base}/mcp", json=body, headers=headers)
            trust_only = ssl.create_default_context(cafile=endpoints.client_tls.ca)
            async with httpx.AsyncClient(timeout=5, verify=trust_only) as no_cert:  # HTTPS, no certificate
                for path, payload in (("/mcp", body), ("/v1/tools/wallet__deposit/call", DEPOSIT)):
                    with pytest.raises(httpx.HTTPError):
                        response = await no_cert.post(f"{https_base}{path}", json=payload, headers=headers)
                        raise AssertionError(f"{path} answered {response.status_code} without a certificate")
            servers_cert = ssl.create_default_context(cafile=endpoints.client_tls.ca)
            assert endpoints.tls is not None  # the client's own certificate toward the servers: another CA
            servers_cert.load_cert_chain(endpoints.tls.cert, endpoints.tls.key)
            async with httpx.AsyncClient(timeout=5, verify=servers_cert) as wrong_ca:
                with pytest.raises(httpx.HTTPError):
                    await wrong_ca.post(f"{https_base}/mcp", json=body, headers=headers)
            assert endpoints.gateway and endpoints.api_key
            async with open_mcp_client(endpoints.gateway, api_key=endpoints.api_key) as client:
                result = await client.call_tool("wallet__get_balance", {"account": "intruder"})
                assert result.is_error and "intruder" in str(result.content)  # the deposit never happened
                weather = await client.call_tool("weather__get_weather", {"city": "Helsinki"})
                assert not weather.is_error, weather.content


async def test_no_mtls_keeps_the_plain_gateway_to_client_edge() -> None:
    options = LaunchOptions(topology=reference_topology(proxied=False), redis="fake", mtls=False)
    with anyio.fail_after(90):
        async with launch(options) as deployment:
            endpoints = deployment.endpoints
            assert endpoints.client and endpoints.client.startswith("http://")
            assert endpoints.client_tls is None
            async with httpx.AsyncClient(timeout=5) as http:
                response = await http.get(endpoints.client.removesuffix("/mcp") + "/v1/tools")
                assert response.status_code == 200


async def test_launcher_gives_the_gateway_a_deadline_longer_than_the_clients_longest() -> None:
    options = LaunchOptions(
        topology=reference_topology(proxied=False),
        redis="fake",
        mtls=False,
        client_overrides={"default_timeout_s": 5.0},
        upstream_overrides={"knowledge": {"tool_timeouts_s": {"ingest": 40.0}}},
    )
    with anyio.fail_after(90):
        async with launch(options) as deployment:
            gateway = deployment.gateway_settings
            assert gateway is not None and gateway.upstream_timeout_s > 40.0
