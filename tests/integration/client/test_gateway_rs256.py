"""RS256 bearer tokens at the gateway: verified with the configured public key, claims enforced."""

from __future__ import annotations

import time

import anyio
import httpx
import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from harness.fixtures.client import serve_stack, toy_wallet, toy_weather

pytestmark = pytest.mark.anyio


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rs256(key: rsa.RSAPrivateKey, **claims: object) -> str:
    base = {"sub": "agent-rs", "aud": "mcp-harness", "iss": "mcp-harness", "exp": int(time.time()) + 60}
    return jwt.encode({**base, **claims}, key, algorithm="RS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_rs256_tokens_are_verified_with_the_public_key() -> None:
    key, stranger = rsa_key(), rsa_key()
    overrides = {"jwt": {"rs256_public_key": public_pem(key)}}
    async with serve_stack(gateway_overrides=overrides) as stack, httpx.AsyncClient() as http:
        url = f"{stack.gateway_url}/v1/tools"
        ok = await http.get(url, headers=bearer(rs256(key)))
        assert ok.status_code == 200 and ok.json()["tools"]
        for token in (
            rs256(stranger),
            rs256(key, exp=int(time.time()) - 10),
            rs256(key, aud="someone-else"),
            rs256(key, iss="evil"),
            jwt.encode({"sub": "x", "aud": "mcp-harness", "iss": "mcp-harness"}, key, algorithm="RS256"),
            jwt.encode(
                {"sub": "x", "exp": int(time.time()) + 60},
                "an-hmac-secret-the-gateway-never-saw-32b",
                algorithm="HS256",
            ),
        ):
            denied = await http.get(url, headers=bearer(token))
            assert denied.status_code == 401, jwt.decode(token, options={"verify_signature": False})
            assert denied.headers["www-authenticate"].startswith("Bearer")
            assert denied.json()["error"] == "unauthorized"


async def test_rs256_tools_claim_is_an_allow_list() -> None:
    key = rsa_key()
    overrides = {"jwt": {"rs256_public_key": public_pem(key)}}
    async with (
        serve_stack([toy_weather(), toy_wallet()], gateway_overrides=overrides) as stack,
        httpx.AsyncClient() as http,
    ):
        headers = bearer(rs256(key, tools=["wallet__get_balance", "weather__get_*"]))
        allowed = {"wallet__get_balance", "weather__get_weather", "weather__get_forecast",
                   "weather__get_history"}  # fmt: skip
        listed = (await http.get(f"{stack.gateway_url}/v1/tools", headers=headers)).json()["tools"]
        assert {t["name"] for t in listed} == allowed
        ok = await http.post(
            f"{stack.gateway_url}/v1/tools/wallet__get_balance/call", json={"account": "bob"}, headers=headers
        )
        assert ok.status_code == 200 and ok.json()["isError"] is False
        no = await http.post(
            f"{stack.gateway_url}/v1/tools/wallet__deposit/call",
            json={"account": "bob", "amount": 5},
            headers=headers,
        )
        assert no.status_code == 403 and no.json()["error"] == "tool_forbidden"
        with anyio.fail_after(15):
            transport = httpx2.AsyncClient(headers=headers)
            async with Client(streamable_http_client(f"{stack.gateway_url}/mcp", http_client=transport)) as c:
                assert {t.name for t in (await c.list_tools()).tools} == allowed
                called = await c.call_tool("weather__get_weather", {"city": "Berlin"})
                assert not called.is_error
        assert stack.toys["wallet"].control.invocations == {"get_balance": 1}
        assert stack.toys["weather"].control.invocations == {"get_weather": 1}
