"""The deployment the experiment library runs against, and the resilience policy it is held to.

:class:`ResiliencePolicy` states the numbers the experiments check (deadlines, breaker thresholds,
tolerances); :func:`experiment_launch_options` configures the reference deployment to that policy —
short deadlines and small breaker thresholds so faults show within seconds, every edge behind a fault
proxy, Redis on a real socket so wallet→Redis can carry faults, and a rate limit high enough for the
experiments' own traffic. A test breaks the deployment by changing the options, not the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.launch.inprocess import LaunchOptions, RedisChoice
from harness.topology import reference_topology


@dataclass(frozen=True)
class ResiliencePolicy:
    """What the deployment promises; the experiments measure against these numbers."""

    weather_deadline_s: float = 1.0
    gateway_deadline_s: float = 2.0
    knowledge_deadline_s: float = 2.0
    wallet_deadline_s: float = 5.0
    breaker_failure_rate: float = 0.5
    breaker_window_s: float = 2.0
    breaker_min_calls: int = 4
    breaker_open_s: float = 1.0
    # a deadline is "kept" when the caller hears back within [deadline - early, deadline + late]
    deadline_early_s: float = 0.05
    deadline_late_s: float = 0.75
    # an unaffected path keeps its p95 when p95(fault) <= max(ratio × p95(steady), p95(steady) + slack)
    isolation_p95_ratio: float = 3.0
    isolation_p95_slack_s: float = 0.1
    # a rejected call "fails fast" when it takes at most this fraction of the deadline
    fail_fast_fraction: float = 0.1
    recovery_within_s: float = 10.0

    def breaker(self) -> dict[str, Any]:
        return {
            "failure_rate": self.breaker_failure_rate,
            "window_s": self.breaker_window_s,
            "min_calls": self.breaker_min_calls,
            "open_s": self.breaker_open_s,
        }


DEFAULT_POLICY = ResiliencePolicy()


def experiment_launch_options(
    policy: ResiliencePolicy = DEFAULT_POLICY,
    *,
    redis: RedisChoice = "auto",
    proxy_seed: int = 7,
    toxiproxy_url: str | None = None,
) -> LaunchOptions:
    """Launch options of the deployment the library is run against (fresh dicts: safe to modify).

    ``toxiproxy_url`` drives a real Toxiproxy instead of the embedded proxy (it must reach 127.0.0.1).
    """
    quick_reconnect: dict[str, Any] = {
        "reconnect_initial_s": 0.05,
        "reconnect_max_s": 0.5,
        "health_interval_s": 1.0,
        "connect_timeout_s": 2.0,
    }
    return LaunchOptions(
        topology=reference_topology(proxied=True, redis_socket=True),
        redis=redis,
        proxy_seed=proxy_seed,
        toxiproxy_url=toxiproxy_url,
        upstream_overrides={
            "weather": {
                # default probe interval and connect timeout: a latency toxic longer than the call
                # deadline but shorter than these must slow calls down, not drop the session
                "reconnect_initial_s": 0.05,
                "reconnect_max_s": 0.5,
                "call_timeout_s": policy.weather_deadline_s,
                "breaker": {**policy.breaker(), "min_calls": 10},
            },
            "wallet": {**quick_reconnect, "call_timeout_s": policy.wallet_deadline_s},
            "knowledge": {
                **quick_reconnect,
                "call_timeout_s": policy.knowledge_deadline_s,
                "breaker": policy.breaker(),
                "retry": {"attempts": 1},  # one call, one breaker outcome: "opens within min_calls" is exact
            },
        },
        gateway_overrides={"upstream_timeout_s": policy.gateway_deadline_s, "rate_limit": "100000/minute"},
        server_overrides={
            # a lock whose release was lost to a Redis fault must expire before retries give up
            "wallet": {"lock_ttl_s": 1.0, "operation_timeout_s": 0.8, "lock_wait_s": 1.5},
        },
    )
