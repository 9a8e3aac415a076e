"""Who may connect to whom, derived from the topology's edges, and its renderings (nftables today;
Kubernetes NetworkPolicies use the same :func:`~harness.isolation.policy.ingress_rules`)."""
