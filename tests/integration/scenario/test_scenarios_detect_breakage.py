"""Each scenario FAILS when the behaviour it guards is broken — proof that it measures something.

Every test runs a shipped scenario file against a deployment with one setting broken (through the
runner's ``adjust`` hook on the launch options, or one argument of the scenario changed) and expects
verdict ``fail`` with the guarding expectation broken. The same files pass unbroken: pytest collects
``scenarios/`` (see pyproject's testpaths), and ``mcp-harness run`` runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anyio

from harness.fakes.redis_server import free_port
from harness.launch.inprocess import LaunchOptions
from harness.report import ScenarioReport
from harness.scenario import Scenario, load_scenario, run_scenario
from harness.topology import reference_topology

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def scenario(name: str) -> Scenario:
    return load_scenario(SCENARIOS / f"{name}.yaml")


def run(s: Scenario, adjust: Callable[[LaunchOptions], None] | None = None) -> ScenarioReport:
    async def go() -> ScenarioReport:
        with anyio.fail_after(s.timeout + 30):
            return await run_scenario(s, adjust=adjust)

    return anyio.run(go)


def assert_broken(report: ScenarioReport, expectation: str, *fragments: str) -> None:
    assert report.verdict == "fail", (report.verdict, report.error, report.failures())
    broken = {e.name: e for e in report.failures()}
    assert expectation in broken, f"{expectation!r} held; broken: {list(broken)}"
    detail = broken[expectation].detail
    assert all(f in detail for f in fragments), detail


def fresh_keys(s: Scenario) -> Scenario:
    """The caller ignores idempotency: a new key for every retry and re-send."""
    for step in s.steps:
        if step.use is not None and step.use.step == "wallet_transfers":
            step.use.with_["retry_keys"] = "fresh"
    return s


def test_latency_scenario_fails_when_the_weather_deadline_outlasts_the_latency() -> None:
    def adjust(options: LaunchOptions) -> None:
        options.upstream_overrides["weather"]["call_timeout_s"] = 5.0

    report = run(scenario("latency-client-weather"), adjust)
    assert_broken(report, "weather ends at its deadline with upstream_timeout")


def test_weather_api_scenario_fails_when_the_server_does_not_feel_the_outage() -> None:
    port = free_port()  # the weather server wired around the proxy: disabling it changes nothing

    def adjust(options: LaunchOptions) -> None:
        options.topology.service("weather-api").port = port
        url = f"http://127.0.0.1:{port}"
        options.server_overrides["weather"] = {"api_url": url, "geocoding_url": url}

    report = run(scenario("weather-api-down"), adjust)
    assert_broken(report, "the dead API is named, within the weather deadline", "expected failure")


def test_wallet_redis_scenario_detects_duplicates_when_retries_ignore_idempotency() -> None:
    report = run(fresh_keys(scenario("wallet-redis-faults")))
    assert_broken(report, "one_ledger_entry_per_key", "duplicated money movements")
    assert int(next(e for e in report.expectations if e.name == "one_ledger_entry_per_key").measured) > 100
    assert next(
        e for e in report.expectations if e.name == "wallet_conservation"
    ).held  # only the model sees it


def test_bandwidth_scenario_fails_when_the_deadline_cannot_cover_the_transfer() -> None:
    def adjust(options: LaunchOptions) -> None:
        options.upstream_overrides["knowledge"]["tool_timeouts_s"] = {"search": 0.15}

    report = run(scenario("knowledge-bandwidth-slicer"), adjust)
    assert_broken(report, "large results arrive within the deadline, or fail clearly", "no call succeeded")


def test_knowledge_down_scenario_fails_without_a_working_breaker() -> None:
    def adjust(options: LaunchOptions) -> None:
        options.upstream_overrides["knowledge"]["breaker"]["min_calls"] = 1000

    report = run(scenario("knowledge-down"), adjust)
    assert_broken(report, "breaker opens fault", "no call was rejected with circuit_open")


def test_blackhole_scenario_fails_when_the_gateway_waits_too_long() -> None:
    def adjust(options: LaunchOptions) -> None:
        options.gateway_overrides["upstream_timeout_s"] = 6.0

    report = run(scenario("gateway-blackhole"), adjust)
    assert_broken(report, "504 upstream_timeout at the gateway's deadline")


def test_deployment_scenario_fails_when_a_backend_is_gone() -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"

    def adjust(options: LaunchOptions) -> None:
        options.topology = reference_topology()
        options.server_overrides["wallet"] = {"redis": {"url": dead_redis, "timeout_s": 0.5}}

    report = run(scenario("deployment"), adjust)
    assert_broken(report, "every-tool-auto.failed", "wallet__deposit")
    assert next(e for e in report.expectations if e.name == "calls no-key").held


def test_wallet_transfers_scenario_fails_when_retries_ignore_idempotency() -> None:
    report = run(fresh_keys(scenario("wallet-idempotent-transfers")))
    assert_broken(report, "one_ledger_entry_per_key", "duplicated money movements")


def test_retrieval_scenario_fails_when_the_embedder_is_degraded() -> None:
    def adjust(options: LaunchOptions) -> None:
        options.server_overrides["knowledge"] = {"embedding_dim": 16}

    report = run(scenario("retrieval"), adjust)
    assert_broken(report, "recall@5 of the handbook questions")


def test_faults_are_undone_when_a_step_cannot_run() -> None:
    """A step that cannot run ends the scenario as an error; the fault applied before it is removed."""
    s = Scenario.model_validate(
        {
            "name": "undo",
            "steps": [
                {
                    "toxic": {
                        "proxy": "client-weather",
                        "type": "latency",
                        "name": "slow",
                        "attributes": {"latency": 9},
                    }
                },
                {"remove_toxic": {"proxy": "client-weather", "name": "nope"}},
                {"wait": "30s"},
            ],
            "expect": [{"recovery": {"of": "never", "within": "1s"}}],
        }
    )
    report = run(s)
    assert report.verdict == "error" and report.error is not None
    assert "remove toxic nope from client-weather" in report.error and "toxic not found" in report.error
    assert report.duration_s < 25  # the wait after the failing step never ran
    (window,) = report.windows
    assert (window.name, window.target) == ("slow", "client-weather")
    assert window.end > window.start  # closed by the undo, after the failing step
    assert not report.expectations  # an error is not judged


def test_load_scenario_fails_when_a_slow_tool_can_starve_the_others() -> None:
    """One request in flight at the gateway: while weather is slow, every other tool waits or is refused."""

    def adjust(options: LaunchOptions) -> None:
        options.gateway_overrides["max_in_flight"] = 1

    report = run(scenario("load-weather-slow"), adjust)
    assert_broken(report, "wallet and knowledge keep their objectives, nothing fails")


def test_pod_kill_scenario_fails_when_the_pod_is_not_restarted() -> None:
    s = scenario("pod-kill-knowledge")
    s.topology.restart["knowledge"] = "Never"
    s.steps[-1].call.within = 5.0  # type: ignore[union-attr]  # no need to wait 30 s for what never comes
    report = run(s)
    assert_broken(report, "the supervisor brings knowledge back", "did not recover")
