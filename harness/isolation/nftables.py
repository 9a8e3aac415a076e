"""Render one service's :class:`~harness.isolation.policy.IngressRule` as a default-deny nftables ruleset.

Inside the service's own network namespace: loopback and replies to its own connections pass, TCP to its
port passes from the allowed sources' addresses (from anywhere when public), any other TCP is answered
with a reset (callers see "connection refused" at once instead of waiting on a drop), everything else is
dropped by the chain's policy.
"""

from __future__ import annotations

from harness.isolation.policy import IngressRule

TABLE = "mcph_isolation"


def ruleset(rule: IngressRule, addresses: dict[str, str]) -> str:
    """``addresses``: service name → its IPv4 address (sources without an address are skipped)."""
    lines = [
        f"table inet {TABLE} {{",
        "  chain input {",
        "    type filter hook input priority 0; policy drop;",
        '    iif "lo" accept',
        "    ct state established,related accept",
    ]
    if rule.public:
        lines.append(f"    tcp dport {rule.port} accept")
    else:
        peers = sorted(addresses[s] for s in rule.sources if s in addresses)
        if peers:
            lines.append(f"    ip saddr {{ {', '.join(peers)} }} tcp dport {rule.port} accept")
    lines += ["    meta l4proto tcp reject with tcp reset", "  }", "}"]
    return "\n".join(lines) + "\n"
