"""The topology model rejects inconsistent deployments and orders start-up by dependency."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from harness.topology import Edge, Service, Topology, reference_topology


def test_reference_topology_starts_dependencies_first() -> None:
    topo = reference_topology(redis_socket=True)
    order = topo.start_order()
    assert order.index("weather-api") < order.index("weather")
    assert order.index("redis") < order.index("wallet")
    for server in ("weather", "wallet", "knowledge"):
        assert order.index(server) < order.index("client")
    assert order[-1] == "gateway"
    assert topo.allowed_peers("wallet") == {"client"}
    assert [s.name for s in topo.services if s.public] == ["gateway"]


def test_proxied_edges_by_name() -> None:
    topo = reference_topology(proxied={"client-weather", "weather-api"})
    assert sorted(e.proxy_name for e in topo.proxied_edges()) == ["client-weather", "weather-api"]
    assert topo.edge_named("weather-api").target == "weather-api"


def test_unknown_edge_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown edges"):
        reference_topology(proxied={"client-nowhere"})


def test_cycle_and_dangling_edges_are_rejected() -> None:
    a, b = Service(name="a", kind="server"), Service(name="b", kind="server")
    with pytest.raises(ValidationError, match="cycle"):
        Topology(services=[a, b], edges=[Edge(source="a", target="b"), Edge(source="b", target="a")])
    with pytest.raises(ValidationError, match="unknown service 'c'"):
        Topology(services=[a, b], edges=[Edge(source="a", target="c")])
