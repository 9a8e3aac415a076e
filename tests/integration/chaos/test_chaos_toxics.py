"""Toxic behaviour seen from a client socket, ported from Toxiproxy's toxics/*_test.go and link_test.go."""

from __future__ import annotations

import asyncio
import time

import anyio
import pytest

from chaos.client import ToxiproxyClient
from harness.fixtures.chaos import EchoServer, ProxyApi, connect_through

pytestmark = pytest.mark.anyio


async def make_proxy(client: ToxiproxyClient, echo: EchoServer, name: str = "echo") -> str:
    proxy = await client.create_proxy(name, echo.address, listen="127.0.0.1:0")
    return proxy.listen


async def read_exactly(reader: asyncio.StreamReader, n: int, timeout_s: float = 5.0) -> bytes:
    with anyio.fail_after(timeout_s):
        return await reader.readexactly(n)


async def round_trip_ms(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes) -> float:
    started = time.perf_counter()
    writer.write(data)
    assert await read_exactly(reader, len(data)) == data
    return (time.perf_counter() - started) * 1000


async def read_until_eof(reader: asyncio.StreamReader, timeout_s: float = 5.0) -> bytes:
    with anyio.fail_after(timeout_s):
        return await reader.read()


async def test_latency_delays_each_round_trip(toxiproxy: ToxiproxyClient, echo_server: EchoServer) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    reader, writer = await connect_through(listen)
    assert await round_trip_ms(reader, writer, b"warm") < 95
    await toxiproxy.add_toxic("echo", "latency", attributes={"latency": 100})
    rtt = await round_trip_ms(reader, writer, b"hello")
    assert 95 <= rtt <= 250
    writer.close()


async def test_latency_jitter_stays_within_bounds(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "latency", attributes={"latency": 100, "jitter": 50})
    reader, writer = await connect_through(listen)
    rtts = [await round_trip_ms(reader, writer, b"ping") for _ in range(8)]
    assert all(45 <= rtt <= 260 for rtt in rtts), rtts
    assert max(rtts) - min(rtts) > 5, "jitter should vary the delay"
    writer.close()


async def test_latency_on_both_streams_adds_up(toxiproxy: ToxiproxyClient, echo_server: EchoServer) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "latency", stream="upstream", attributes={"latency": 60})
    await toxiproxy.add_toxic("echo", "latency", stream="downstream", attributes={"latency": 60})
    reader, writer = await connect_through(listen)
    assert 115 <= await round_trip_ms(reader, writer, b"x") <= 270
    writer.close()


async def test_bandwidth_limits_throughput(toxiproxy: ToxiproxyClient, echo_server: EchoServer) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "bandwidth", attributes={"rate": 100})  # 100 KB/s downstream
    reader, writer = await connect_through(listen)
    payload = bytes(range(256)) * 196  # 50 176 bytes → about 500 ms
    started = time.perf_counter()
    writer.write(payload)
    assert await read_exactly(reader, len(payload)) == payload
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert 450 <= elapsed_ms <= 900
    writer.close()


async def test_bandwidth_zero_blocks_until_removed(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "bandwidth", attributes={"rate": 0})
    reader, writer = await connect_through(listen)
    writer.write(b"held")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.readexactly(4), 0.3)
    await toxiproxy.remove_toxic("echo", "bandwidth_downstream")
    assert await read_exactly(reader, 4) == b"held"
    writer.close()


async def test_slow_close_delays_the_close(toxiproxy: ToxiproxyClient, echo_server: EchoServer) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "slow_close", stream="upstream", attributes={"delay": 300})
    reader, writer = await connect_through(listen)
    assert await round_trip_ms(reader, writer, b"x") < 200
    started = time.perf_counter()
    writer.write_eof()  # the client closes its side; the proxy waits before closing the upstream
    assert await read_until_eof(reader) == b""
    assert 280 <= (time.perf_counter() - started) * 1000 <= 700
    writer.close()


async def test_timeout_swallows_data_then_closes_after_idle(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "timeout", attributes={"timeout": 300})
    reader, writer = await connect_through(listen)
    started = time.perf_counter()
    writer.write(b"dropped")
    assert await read_until_eof(reader) == b""
    assert 250 <= (time.perf_counter() - started) * 1000 <= 800
    writer.close()


async def test_timeout_timer_restarts_on_every_chunk(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "timeout", stream="upstream", attributes={"timeout": 300})
    reader, writer = await connect_through(listen)
    started = time.perf_counter()
    for _ in range(5):  # a write every 150 ms keeps a 300 ms idle timer from firing
        writer.write(b"tick")
        await asyncio.sleep(0.15)
        assert not reader.at_eof()
    assert await read_until_eof(reader) == b""
    assert (time.perf_counter() - started) * 1000 >= 880  # last write at 600 ms + 300 ms idle
    writer.close()


async def test_removing_timeout_closes_its_connections(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "timeout", attributes={"timeout": 0})
    reader, writer = await connect_through(listen)
    writer.write(b"into the void")
    await asyncio.sleep(0.05)
    assert not reader.at_eof()
    await toxiproxy.remove_toxic("echo", "timeout_downstream")
    assert await read_until_eof(reader) == b""
    writer.close()


async def test_reset_peer_sends_rst_then_eof(toxiproxy: ToxiproxyClient, echo_server: EchoServer) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "reset_peer", stream="upstream", attributes={"timeout": 100})
    reader, writer = await connect_through(listen)
    started = time.perf_counter()
    writer.write(b"hello")
    with pytest.raises(ConnectionResetError), anyio.fail_after(5):
        while await reader.read(100):
            pass
    assert 90 <= (time.perf_counter() - started) * 1000 <= 400
    writer.close()


async def test_reset_peer_on_an_older_connection_closes_with_a_plain_fin(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    """Linger 0 is set only on connections opened while the toxic exists (Toxiproxy's link start)."""
    listen = await make_proxy(toxiproxy, echo_server)
    reader, writer = await connect_through(listen)
    assert await round_trip_ms(reader, writer, b"warm") < 95
    await toxiproxy.add_toxic("echo", "reset_peer", stream="upstream", attributes={"timeout": 50})
    writer.write(b"hello")
    assert await read_until_eof(reader) == b""  # EOF, not ECONNRESET
    writer.close()


async def test_reset_peer_does_nothing_without_data(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "reset_peer", stream="upstream", attributes={"timeout": 50})
    reader, writer = await connect_through(listen)
    await asyncio.sleep(0.2)
    assert not reader.at_eof()
    writer.close()


async def test_slicer_cuts_data_into_small_pieces(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic(
        "echo", "slicer", attributes={"average_size": 10, "size_variation": 0, "delay": 2000}
    )
    reader, writer = await connect_through(listen)
    payload = bytes(range(100))
    writer.write(payload)
    pieces: list[bytes] = []
    with anyio.fail_after(5):
        while sum(map(len, pieces)) < len(payload):
            pieces.append(await reader.read(1000))
    assert b"".join(pieces) == payload
    assert len(pieces) >= 10  # 2 ms between pieces: the client sees them one by one
    assert all(len(piece) <= 10 for piece in pieces), [len(p) for p in pieces]
    writer.close()


@pytest.mark.parametrize(
    ("limit", "sends", "expected"),
    [
        (5, [b"0123456789"], b"01234"),  # the crossing chunk is cut
        (10, [b"01234", b"56789"], b"0123456789"),  # exactly on a chunk boundary
        (7, [b"0123", b"4567", b"89"], b"0123456"),  # the count spans chunks
        (0, [b"x"], b""),  # zero closes on the first data
    ],
)
async def test_limit_data_forwards_n_bytes_then_closes(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer, limit: int, sends: list[bytes], expected: bytes
) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "limit_data", attributes={"bytes": limit})
    reader, writer = await connect_through(listen)
    for data in sends:
        writer.write(data)
        await asyncio.sleep(0.02)
    assert await read_until_eof(reader) == expected
    writer.close()


async def test_limit_data_budget_is_per_connection(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "limit_data", attributes={"bytes": 3})
    for _ in range(2):
        reader, writer = await connect_through(listen)
        writer.write(b"abcdef")
        assert await read_until_eof(reader) == b"abc"
        writer.close()


async def test_toxic_applies_to_a_live_connection_and_removal_restores(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    reader, writer = await connect_through(listen)
    assert await round_trip_ms(reader, writer, b"before") < 95
    await toxiproxy.add_toxic("echo", "latency", attributes={"latency": 150})
    assert 140 <= await round_trip_ms(reader, writer, b"during") <= 300
    await toxiproxy.remove_toxic("echo", "latency_downstream")
    assert await round_trip_ms(reader, writer, b"after") < 95
    writer.close()


async def test_no_data_dropped_while_toxics_come_and_go(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    reader, writer = await connect_through(listen)
    payload = b"".join(f"{i:06d}".encode() for i in range(20_000))  # 120 kB of ordered records

    async def send() -> None:
        for offset in range(0, len(payload), 1000):
            writer.write(payload[offset : offset + 1000])
            await writer.drain()
            await asyncio.sleep(0)

    async def churn() -> None:
        for round_ in range(6):
            stream = "upstream" if round_ % 2 else "downstream"
            await toxiproxy.add_toxic("echo", "latency", name="lag", stream=stream, attributes={"latency": 5})
            await toxiproxy.add_toxic("echo", "noop", name="noop", stream=stream)
            await toxiproxy.remove_toxic("echo", "lag")
            await toxiproxy.remove_toxic("echo", "noop")

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(send)
        tasks.start_soon(churn)
        received = await read_exactly(reader, len(payload), timeout_s=20)
    assert received == payload
    writer.close()


async def test_toxicity_is_rolled_per_connection(proxy_api: ProxyApi, echo_server: EchoServer) -> None:
    client = proxy_api.client
    listen = await make_proxy(client, echo_server)
    await client.add_toxic("echo", "latency", toxicity=0.5, attributes={"latency": 120})
    slow = 0
    for _ in range(20):
        reader, writer = await connect_through(listen)
        if await round_trip_ms(reader, writer, b"?") > 100:
            slow += 1
        writer.close()
    assert 3 <= slow <= 17, slow  # about half of the links lose the roll


async def test_toxicity_is_rolled_again_when_a_neighbour_comes_or_goes(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    """link.go restarts the toxic before an added or removed one, and a restart rolls toxicity anew."""
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "latency", toxicity=0.5, attributes={"latency": 80})
    reader, writer = await connect_through(listen)
    after_add: list[bool] = []
    after_remove: list[bool] = []
    for _ in range(12):
        await toxiproxy.add_toxic("echo", "noop", name="neighbour")
        after_add.append(await round_trip_ms(reader, writer, b"?") > 70)
        await toxiproxy.remove_toxic("echo", "neighbour")
        after_remove.append(await round_trip_ms(reader, writer, b"?") > 70)
    writer.close()
    assert set(after_add) == {True, False}, after_add  # 12 fair rolls: both outcomes
    assert set(after_remove) == {True, False}, after_remove


async def test_toxicity_zero_never_applies(toxiproxy: ToxiproxyClient, echo_server: EchoServer) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    await toxiproxy.add_toxic("echo", "timeout", toxicity=0.0, attributes={"timeout": 0})
    for _ in range(3):
        reader, writer = await connect_through(listen)
        assert await round_trip_ms(reader, writer, b"ok") < 95
        writer.close()


async def test_disable_closes_connections_and_enable_listens_again(
    toxiproxy: ToxiproxyClient, echo_server: EchoServer
) -> None:
    listen = await make_proxy(toxiproxy, echo_server)
    reader, writer = await connect_through(listen)
    await round_trip_ms(reader, writer, b"up")
    disabled = await toxiproxy.disable_proxy("echo")
    assert disabled.enabled is False
    assert await read_until_eof(reader) in (b"",)
    with pytest.raises(ConnectionRefusedError):
        await connect_through(listen)
    enabled = await toxiproxy.enable_proxy("echo")
    assert enabled.listen == listen  # the same resolved port
    reader, writer = await connect_through(listen)
    assert await round_trip_ms(reader, writer, b"back") < 95
    writer.close()
