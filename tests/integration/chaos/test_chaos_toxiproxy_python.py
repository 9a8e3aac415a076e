"""Users' toxiproxy-python (synchronous, requests-based) works against the embedded proxy API."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import anyio
import pytest
import toxiproxy
from toxiproxy.api import APIConsumer

from harness.fixtures.chaos import EchoServer, ProxyApi

pytestmark = pytest.mark.anyio


def echo_once(listen: str, payload: bytes) -> bytes:
    host, _, port = listen.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(payload)
        return sock.recv(1024)


def basic_flow(api_url: str, upstream: str) -> dict[str, object]:
    """toxiproxy-python's README flow: create, add a toxic, read it back, disable/enable, destroy."""
    url = urlsplit(api_url)
    server = toxiproxy.Toxiproxy()
    server.update_api_consumer(url.hostname, url.port)
    assert server.running()
    proxy = server.create(upstream=upstream, name="legacy")
    seen: dict[str, object] = {"version": server.version(), "echo": echo_once(proxy.listen, b"hi")}
    proxy.add_toxic(type="latency", attributes={"latency": 20})
    toxic = proxy.get_toxic("latency_downstream")
    seen["toxic"] = (toxic.type, toxic.stream, toxic.attributes)
    with proxy.down():
        seen["down_enabled"] = server.get_proxy("legacy").enabled
    seen["up_enabled"] = server.get_proxy("legacy").enabled
    seen["echo_after"] = echo_once(proxy.listen, b"again")
    proxy.destroy_toxic("latency_downstream")
    seen["toxics_left"] = proxy.toxics()
    try:
        server.create(upstream=upstream, name="legacy")
    except toxiproxy.server.ProxyExists:
        seen["duplicate_refused"] = True
    server.destroy(proxy)
    seen["proxies_left"] = server.proxies()
    return seen


async def test_toxiproxy_python_basic_flow(proxy_api: ProxyApi, echo_server: EchoServer) -> None:
    saved = (APIConsumer.host, APIConsumer.port)
    try:
        with anyio.fail_after(20):
            seen = await anyio.to_thread.run_sync(basic_flow, proxy_api.url, echo_server.address)
    finally:
        APIConsumer.host, APIConsumer.port = saved
    assert seen["echo"] == b"hi" and seen["echo_after"] == b"again"
    assert seen["version"]
    assert seen["toxic"] == ("latency", "downstream", {"latency": 20, "jitter": 0})
    assert (seen["down_enabled"], seen["up_enabled"]) == (False, True)
    assert seen["toxics_left"] == {}
    assert seen["duplicate_refused"] is True
    assert seen["proxies_left"] == {}
