"""The proxy API's shapes, statuses and error strings, ported from Toxiproxy's api_test.go."""

from __future__ import annotations

import json
import re
import socket
from typing import Any

import httpx
import pytest

from chaos.client import AlreadyExists, BadRequest, NotFound, ServerError, ToxiproxyClient
from harness.fixtures.chaos import EchoServer, ProxyApi

pytestmark = pytest.mark.anyio


@pytest.fixture
async def http(proxy_api: ProxyApi) -> Any:
    async with httpx.AsyncClient(base_url=proxy_api.url, timeout=10) as client:
        yield client


def error_of(response: httpx.Response) -> tuple[int, str]:
    body = json.loads(response.text)
    assert body["status"] == response.status_code
    return response.status_code, body["error"]


async def test_version_is_a_json_semver(http: httpx.AsyncClient) -> None:
    response = await http.get("/version")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", response.json()["version"])
    assert response.headers.get("x-toxiproxy-request-id")


async def test_browsers_are_refused(http: httpx.AsyncClient) -> None:
    response = await http.get("/proxies", headers={"User-Agent": "Mozilla/5.0 (X11)"})
    assert response.status_code == 403
    assert response.text.strip() == "User agent not allowed"


async def test_unknown_path_and_wrong_method(http: httpx.AsyncClient) -> None:
    missing = await http.get("/nope")
    assert (missing.status_code, missing.text.strip()) == (404, "404 page not found")
    wrong = await http.put("/proxies")
    assert wrong.status_code == 405


async def test_proxy_lifecycle_shapes_and_statuses(http: httpx.AsyncClient, echo_server: EchoServer) -> None:
    assert (await http.get("/proxies")).json() == {}
    created = await http.post(
        "/proxies", json={"name": "echo", "upstream": echo_server.address, "listen": "localhost:0"}
    )
    assert created.status_code == 201
    proxy = created.json()
    assert re.fullmatch(r"127\.0\.0\.1:\d+", proxy["listen"]), "listen is the resolved address"
    assert {k: proxy[k] for k in ("name", "upstream", "enabled", "toxics")} == {
        "name": "echo",
        "upstream": echo_server.address,
        "enabled": True,
        "toxics": [],
    }
    assert (await http.get("/proxies")).json()["echo"]["listen"] == proxy["listen"]
    patched = await http.patch("/proxies/echo", json={"enabled": False})
    assert (patched.status_code, patched.json()["enabled"]) == (200, False)
    deleted = await http.delete("/proxies/echo")
    assert deleted.status_code == 204
    assert error_of(await http.get("/proxies/echo")) == (404, "proxy not found")


async def test_create_proxy_errors(http: httpx.AsyncClient, echo_server: EchoServer) -> None:
    assert error_of(await http.post("/proxies", json={"upstream": "x:1"})) == (
        400,
        "missing required field: name",
    )
    assert error_of(await http.post("/proxies", json={"name": "a"})) == (
        400,
        "missing required field: upstream",
    )
    empty = await http.post("/proxies", content=b"")
    assert error_of(empty) == (400, "bad request body: EOF")
    assert empty.headers["content-type"].startswith("text/plain")
    bad = await http.post("/proxies", content=b"{nope")
    status, message = error_of(bad)
    assert status == 400 and message.startswith("bad request body: ")
    body = {"name": "a", "upstream": echo_server.address, "listen": "127.0.0.1:0"}
    assert (await http.post("/proxies", json=body)).status_code == 201
    assert error_of(await http.post("/proxies", json=body)) == (409, "proxy already exists")


async def test_listen_in_use_is_a_500_with_the_bind_error(http: httpx.AsyncClient) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        response = await http.post(
            "/proxies", json={"name": "busy", "upstream": "127.0.0.1:1", "listen": f"127.0.0.1:{port}"}
        )
    assert error_of(response) == (500, f"listen tcp 127.0.0.1:{port}: bind: address already in use")


async def test_toxic_crud_defaults_and_order(http: httpx.AsyncClient, echo_server: EchoServer) -> None:
    await http.post("/proxies", json={"name": "p", "upstream": echo_server.address, "listen": "127.0.0.1:0"})
    created = await http.post("/proxies/p/toxics", json={"type": "latency", "attributes": {"latency": 10}})
    assert created.status_code == 200  # not 201, as Toxiproxy
    assert created.json() == {
        "attributes": {"latency": 10, "jitter": 0},
        "name": "latency_downstream",
        "type": "latency",
        "stream": "downstream",
        "toxicity": 1.0,
    }
    await http.post("/proxies/p/toxics", json={"type": "slow_close", "stream": "upstream", "name": "sc"})
    names = [toxic["name"] for toxic in (await http.get("/proxies/p/toxics")).json()]
    assert names == ["sc", "latency_downstream"]  # upstream chain first
    updated = await http.patch(
        "/proxies/p/toxics/latency_downstream",
        json={"attributes": {"jitter": 5}, "name": "ignored", "stream": "upstream"},
    )
    assert updated.json()["attributes"] == {"latency": 10, "jitter": 5}  # merged
    assert (updated.json()["name"], updated.json()["stream"], updated.json()["toxicity"]) == (
        "latency_downstream",
        "downstream",
        1.0,
    )
    assert (await http.get("/proxies/p/toxics/sc")).json()["type"] == "slow_close"
    assert (await http.delete("/proxies/p/toxics/sc")).status_code == 204
    assert error_of(await http.get("/proxies/p/toxics/sc")) == (404, "toxic not found")


async def test_toxic_errors(http: httpx.AsyncClient, echo_server: EchoServer) -> None:
    await http.post("/proxies", json={"name": "p", "upstream": echo_server.address, "listen": "127.0.0.1:0"})
    assert error_of(await http.post("/proxies/zz/toxics", json={"type": "latency"})) == (
        404,
        "proxy not found",
    )
    assert error_of(await http.post("/proxies/p/toxics", json={"type": "latency", "stream": "sideways"})) == (
        400,
        "stream was invalid, can be either upstream or downstream",
    )
    assert error_of(await http.post("/proxies/p/toxics", json={"type": "nope"})) == (
        400,
        "invalid toxic type",
    )
    await http.post("/proxies/p/toxics", json={"type": "latency", "name": "t"})
    duplicate = await http.post(
        "/proxies/p/toxics", json={"type": "timeout", "name": "t", "stream": "upstream"}
    )
    assert error_of(duplicate) == (409, "toxic already exists")  # names are unique across streams
    wrong_type = await http.post(
        "/proxies/p/toxics", json={"type": "latency", "attributes": {"latency": "x"}}
    )
    assert error_of(wrong_type)[0] == 400
    assert error_of(await http.delete("/proxies/p/toxics/none")) == (404, "toxic not found")


async def test_populate_creates_keeps_and_reports_errors(
    http: httpx.AsyncClient, echo_server: EchoServer
) -> None:
    items: list[dict[str, object]] = [
        {"name": "one", "upstream": echo_server.address, "listen": "127.0.0.1:0"},
        {"name": "two", "upstream": echo_server.address, "listen": "127.0.0.1:0", "enabled": False},
    ]
    response = await http.post("/populate", json=items)
    assert response.status_code == 201
    proxies = response.json()["proxies"]
    assert [(p["name"], p["enabled"]) for p in proxies] == [("one", True), ("two", False)]
    kept = {**items[0], "listen": proxies[0]["listen"]}
    again = await http.post("/populate", json=[kept])
    assert again.json()["proxies"][0]["listen"] == proxies[0]["listen"]
    bad = await http.post("/populate", json=[items[0], {"upstream": "x:1"}])
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/json")
    assert bad.json() == {"error": "missing required field: name at proxy 2", "status": 400, "proxies": None}


async def test_reset_enables_proxies_and_removes_toxics(
    http: httpx.AsyncClient, echo_server: EchoServer
) -> None:
    await http.post("/proxies", json={"name": "p", "upstream": echo_server.address, "listen": "127.0.0.1:0"})
    await http.post("/proxies/p/toxics", json={"type": "latency"})
    await http.patch("/proxies/p", json={"enabled": False})
    assert (await http.post("/reset")).status_code == 204
    proxy = (await http.get("/proxies/p")).json()
    assert (proxy["enabled"], proxy["toxics"]) == (True, [])


async def test_typed_client_raises_typed_errors(toxiproxy: ToxiproxyClient, echo_server: EchoServer) -> None:
    with pytest.raises(NotFound) as missing:
        await toxiproxy.get_proxy("absent")
    assert (missing.value.status, missing.value.message) == (404, "proxy not found")
    await toxiproxy.create_proxy("p", echo_server.address)
    with pytest.raises(AlreadyExists):
        await toxiproxy.create_proxy("p", echo_server.address)
    with pytest.raises(BadRequest, match="invalid toxic type"):
        await toxiproxy.add_toxic("p", "nope")
    toxic = await toxiproxy.add_toxic("p", "limit_data", stream="upstream", attributes={"bytes": 9})
    assert (toxic.name, toxic.attributes) == ("limit_data_upstream", {"bytes": 9})
    updated = await toxiproxy.update_toxic("p", toxic.name, toxicity=0.5)
    assert (updated.toxicity, updated.attributes) == (0.5, {"bytes": 9})
    assert [t.name for t in await toxiproxy.list_toxics("p")] == ["limit_data_upstream"]
    assert list(await toxiproxy.list_proxies()) == ["p"]
    populated = await toxiproxy.populate(
        [{"name": "q", "upstream": echo_server.address, "listen": "127.0.0.1:0"}]
    )
    assert [p.name for p in populated] == ["q"]
    await toxiproxy.reset()
    assert (await toxiproxy.get_proxy("p")).toxics == []
    await toxiproxy.delete_proxy("p")
    with pytest.raises(ServerError), socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        await toxiproxy.create_proxy("busy", "127.0.0.1:1", listen=f"127.0.0.1:{taken.getsockname()[1]}")


@pytest.mark.parametrize(
    ("toxic_type", "attributes"),
    [
        ("bandwidth", {"rate": -1}),
        ("slicer", {"average_size": 0}),
        ("slicer", {"average_size": -3}),
        ("slicer", {"average_size": 10, "size_variation": -1}),
    ],
)
async def test_values_that_crash_toxiproxy_are_refused(
    embedded_proxy_api: ProxyApi, echo_server: EchoServer, toxic_type: str, attributes: dict[str, int]
) -> None:
    client = embedded_proxy_api.client
    await client.create_proxy("p", echo_server.address)
    with pytest.raises(BadRequest, match=r"^400: bad request body: invalid attribute"):
        await client.add_toxic("p", toxic_type, attributes=attributes)
    await client.add_toxic("p", "bandwidth", attributes={"rate": 10})
    with pytest.raises(BadRequest):
        await client.update_toxic("p", "bandwidth_downstream", attributes={"rate": -5})
    assert (await client.get_toxic("p", "bandwidth_downstream")).attributes == {"rate": 10}
