"""Allowed ingress from the topology's edges, and its nftables rendering (no root needed)."""

from __future__ import annotations

from harness.isolation.nftables import ruleset
from harness.isolation.policy import ingress_rules, reachable
from harness.topology import reference_topology


def test_rules_follow_the_edges_and_only_the_gateway_is_public() -> None:
    topology = reference_topology(redis_socket=True)
    ports = {s.name: 8000 for s in topology.services}
    rules = {r.target: r for r in ingress_rules(topology, ports)}
    assert rules["gateway"].public and not any(r.public for n, r in rules.items() if n != "gateway")
    assert rules["client"].sources == {"gateway"}
    assert all(rules[s].sources == {"client"} for s in ("weather", "wallet", "knowledge"))
    assert rules["redis"].sources == {"wallet"} and rules["weather-api"].sources == {"weather"}
    pairs = reachable(list(rules.values()), [*ports, "outside"])
    assert ("outside", "gateway") in pairs and ("outside", "client") not in pairs
    assert ("gateway", "weather") not in pairs and ("weather", "wallet") not in pairs


def test_ruleset_is_default_deny_with_one_accept_for_the_allowed_sources() -> None:
    topology = reference_topology(redis_socket=True)
    ports = {s.name: 8000 for s in topology.services}
    rules = {r.target: r for r in ingress_rules(topology, ports)}
    addresses = {name: f"10.200.0.{i + 2}" for i, name in enumerate(ports)}
    wallet = ruleset(rules["wallet"], addresses)
    assert "policy drop;" in wallet and 'iif "lo" accept' in wallet
    assert f"ip saddr {{ {addresses['client']} }} tcp dport 8000 accept" in wallet
    assert wallet.count("accept") == 3  # lo, established, the client
    assert "reject with tcp reset" in wallet
    assert "tcp dport 8000 accept" in ruleset(rules["gateway"], addresses)
    assert "saddr" not in ruleset(rules["gateway"], addresses)
