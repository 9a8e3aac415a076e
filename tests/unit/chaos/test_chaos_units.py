"""Pure parts of the fault proxy: toxic registry and attributes, slicer cuts, channels, addresses, errors."""

from __future__ import annotations

import asyncio
import itertools
import json
import random

import httpx
import pytest
from pydantic import ValidationError

from chaos import errors
from chaos.address import AddressError, split_host_port
from chaos.client import AlreadyExists, NotFound, ServerError, ToxiproxyClient, ToxiproxyUnreachable
from chaos.errors import ApiError, error_response
from chaos.request_body import decode_object, number_field, string_field
from chaos.stream import Channel, Chunk
from chaos.toxics import TOXIC_TYPES
from chaos.toxics.bandwidth import BandwidthToxic
from chaos.toxics.latency import LatencyToxic
from chaos.toxics.slicer import SlicerToxic


def test_every_toxiproxy_type_is_registered() -> None:
    expected = {"latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data", "noop"}
    assert set(TOXIC_TYPES) == expected


def test_attributes_dump_every_field_with_defaults() -> None:
    assert LatencyToxic.model_validate({"latency": 5}).model_dump() == {"latency": 5, "jitter": 0}
    assert LatencyToxic.model_validate({"latency": 5, "unknown": 1}).latency == 5  # unknown keys ignored


@pytest.mark.parametrize("bad", [{"latency": "5"}, {"latency": 1.5}, {"latency": True}])
def test_attributes_refuse_wrong_types(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        LatencyToxic.model_validate(bad)


def test_values_that_crash_toxiproxy_are_invalid() -> None:
    with pytest.raises(ValidationError):
        BandwidthToxic.model_validate({"rate": -1})
    with pytest.raises(ValidationError):
        SlicerToxic.model_validate({"average_size": 0})


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(
    ("length", "average", "variation"), [(100, 10, 0), (65536, 100, 50), (7, 1, 0), (50, 10, 40)]
)
def test_slicer_cuts_cover_the_chunk_in_bounded_pieces(
    seed: int, length: int, average: int, variation: int
) -> None:
    toxic = SlicerToxic(average_size=average, size_variation=variation)
    points = toxic.cut_points(length, random.Random(seed))
    sizes = [b - a for a, b in itertools.pairwise(points)]
    assert points[0] == 0 and points[-1] == length and sum(sizes) == length
    assert all(size >= 1 for size in sizes)
    assert all(size <= average + variation for size in sizes)


def test_slicer_avg_10_on_100_bytes_gives_pieces_of_6_or_7() -> None:
    points = SlicerToxic(average_size=10).cut_points(100, random.Random(0))
    assert {b - a for a, b in itertools.pairwise(points)} <= {6, 7}


@pytest.mark.anyio
async def test_spliced_channel_keeps_order_and_forwards_later_writes(anyio_backend: str) -> None:
    first, second = Channel(capacity=2), Channel(capacity=10)
    second.offer(Chunk(b"a", 0))
    first.offer(Chunk(b"b", 0))
    first.offer(Chunk(b"c", 0))
    assert not first.offer(Chunk(b"x", 0))  # full
    first.splice_into(second)
    assert first.offer(Chunk(b"d", 0))  # forwarded
    got = [await asyncio.wait_for(second.get(), 1) for _ in range(4)]
    assert [item.data for item in got if item is not None] == [b"a", b"b", b"c", b"d"]


@pytest.mark.parametrize(
    ("address", "host", "port"),
    [
        ("localhost:0", "localhost", 0),
        ("[::1]:80", "::1", 80),
        (":8474", "", 8474),
        ("10.0.0.1:6379", "10.0.0.1", 6379),
    ],
)
def test_split_host_port(address: str, host: str, port: int) -> None:
    parsed = split_host_port(address)
    assert (parsed.host, parsed.port) == (host, port)


@pytest.mark.parametrize("address", ["nowhere", "a:b", "h:70000", "::1:80"])
def test_split_host_port_refuses_bad_addresses(address: str) -> None:
    with pytest.raises(AddressError):
        split_host_port(address)


def test_error_response_matches_go_http_error() -> None:
    response = error_response(ApiError(errors.MISSING_FIELD, "name"))
    assert response.status_code == 400
    assert response.body == b'{"error":"missing required field: name","status":400}\n'
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_request_bodies_are_decoded_like_go() -> None:
    with pytest.raises(ApiError, match=r"^bad request body: EOF$"):
        decode_object(b"  ", "proxy.Proxy")
    assert decode_object(b'{"name": "a"} trailing', "proxy.Proxy") == {"name": "a"}
    with pytest.raises(ApiError, match="cannot unmarshal array into Go value"):
        decode_object(b"[]", "proxy.Proxy")
    with pytest.raises(ApiError, match=r"cannot unmarshal number into Go struct field Proxy\.name"):
        string_field({"name": 3}, "name", "Proxy.name", "")
    with pytest.raises(ApiError, match="cannot unmarshal bool"):
        number_field({"toxicity": True}, "toxicity", "ToxicWrapper.toxicity", 1.0)


def _mock_client(handler: httpx.MockTransport) -> ToxiproxyClient:
    return ToxiproxyClient("http://toxiproxy.test", transport=handler, timeout_s=1)


@pytest.mark.anyio
async def test_client_maps_statuses_to_typed_errors_with_the_server_message(anyio_backend: str) -> None:
    replies = {
        "/proxies/a": (404, '{"error":"proxy not found","status":404}\n'),
        "/proxies": (409, '{"error":"proxy already exists","status":409}\n'),
        "/reset": (500, '{"error":"listen tcp x: bind: boom","status":500}\n'),
    }

    def handle(request: httpx.Request) -> httpx.Response:
        status, text = replies[request.url.path]
        return httpx.Response(status, text=text, headers={"content-type": "text/plain; charset=utf-8"})

    async with _mock_client(httpx.MockTransport(handle)) as client:
        with pytest.raises(NotFound) as missing:
            await client.get_proxy("a")
        assert (missing.value.status, missing.value.message) == (404, "proxy not found")
        with pytest.raises(AlreadyExists):
            await client.create_proxy("a", "h:1")
        with pytest.raises(ServerError, match="bind: boom"):
            await client.reset()


@pytest.mark.anyio
async def test_client_ignores_unknown_keys_and_reads_old_versions(anyio_backend: str) -> None:
    proxy = {
        "name": "p",
        "listen": "[::]:4000",
        "upstream": "h:1",
        "enabled": True,
        "Logger": {},
        "toxics": [],
    }

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/version":
            return httpx.Response(200, text="2.5.0")  # plain text before 2.6
        return httpx.Response(200, text=json.dumps(proxy))

    async with _mock_client(httpx.MockTransport(handle)) as client:
        got = await client.get_proxy("p")
        assert (got.listen_host, got.listen_port) == ("::", 4000)
        assert await client.version() == "2.5.0"


@pytest.mark.anyio
async def test_client_reports_an_unreachable_api(anyio_backend: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with _mock_client(httpx.MockTransport(refuse)) as client:
        with pytest.raises(ToxiproxyUnreachable, match="connection refused"):
            await client.list_proxies()
