"""Soak: many callers through the gateway while faults come and go, then an exact ledger check.

Callers post to the gateway's REST API: wallet transfers, each with a fresh idempotency key (an answer
whose outcome is ``unknown`` is sometimes retried with the same key, as the error taxonomy tells a
caller to do), and reads (balances, weather). Meanwhile faults toggle on the client→wallet and
client→weather fault proxies (reset_peer, timeout, latency) through the Toxiproxy-compatible API.
Every answer is classified by what it says became of the call (``accepted``, refused ``not_sent`` or
``rejected`` — both definite — or ``unknown``) and timed against the call deadline.

After the faults are removed the ledger must agree with what callers were told: every key finally
accepted is in it exactly once, every key only ever refused definitely is absent, and the wallet's
own ``audit`` holds (sums conserved, no duplicates). Run:
``.venv/bin/python -m bench.soak [--callers 50] [--seconds 20] [--seed 7]`` (``make soak``).
"""

from __future__ import annotations

import argparse
import logging
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

from harness.launch.inprocess import Deployment, LaunchOptions, launch
from harness.topology import reference_topology

ACCOUNTS = tuple(f"soak-{i}" for i in range(6))
OPENING = 1_000_000
FAULTS: tuple[tuple[str, str, dict[str, Any], float], ...] = (
    ("reset_peer", "upstream", {"timeout": 0}, 0.3),  # requests cut on their way: mostly not sent
    ("reset_peer", "downstream", {"timeout": 0}, 0.5),  # answers cut: applied, outcome unknown
    ("timeout", "downstream", {"timeout": 200}, 0.5),  # answers swallowed, then the link closes
    ("latency", "downstream", {"latency": 150, "jitter": 100}, 1.0),
)
FAULTED_PROXIES = ("client-wallet", "client-weather")
DEFINITE = ("not_sent", "rejected")
FAULT_SHARE = 0.5  # share of periods with a fault on a proxy (the others let sessions reconnect)


@dataclass(frozen=True)
class SoakConfig:
    callers: int = 50
    seconds: float = 20.0
    seed: int = 7
    deadline_s: float = 2.0  # the client's call deadline (every upstream)
    slack_s: float = 0.5  # an answer later than deadline + slack is an overrun
    fault_period_s: float = 1.0
    retry_unknown: float = 0.5  # probability that a caller retries an unknown transfer with the same key


@dataclass
class Answer:
    kind: str  # accepted | not_sent | rejected | unknown
    latency_s: float
    status: int
    error: str | None = None
    tool: str = ""

    def describe(self) -> str:
        return f"{self.tool} {self.latency_s:.2f} s: HTTP {self.status} {self.error or 'ok'} ({self.kind})"


@dataclass
class SoakReport:
    answers: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    overruns: list[Answer] = field(default_factory=list)
    final_by_key: dict[str, str] = field(default_factory=dict)  # transfer key → last answer's kind
    ledger_keys: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)
    fault_toggles: int = 0
    loop_lag_max_s: float = 0.0  # how late this process's event loop ran a 50 ms timer, at worst
    client_slow_calls: int | None = None  # calls the client itself took longer than `client_bound_s` for
    client_bound_s: float = 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def classify(response: httpx.Response, latency_s: float) -> Answer:
    """What the caller was told: a 200 without ``isError`` is accepted; errors say their outcome."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 200 and isinstance(body, dict) and not body.get("isError"):
        return Answer("accepted", latency_s, 200)
    if response.status_code == 200:  # a tool error (e.g. an overdraft): the server refused, nothing recorded
        return Answer("rejected", latency_s, 200, "tool_error")
    outcome = body.get("outcome") if isinstance(body, dict) else None
    error = body.get("error") if isinstance(body, dict) else None
    kind = outcome if outcome in ("not_sent", "rejected", "unknown") else "unknown"
    return Answer(kind, latency_s, response.status_code, str(error))


class GatewayRest:
    """Posts tool calls to the gateway's REST API and times them."""

    def __init__(self, http: httpx.AsyncClient, deployment: Deployment) -> None:
        assert deployment.endpoints.gateway and deployment.endpoints.api_key
        self.http = http
        self.base = deployment.endpoints.gateway.removesuffix("/mcp")
        self.headers = {"X-API-Key": deployment.endpoints.api_key}

    async def call(self, tool: str, arguments: dict[str, Any]) -> Answer:
        started = time.perf_counter()
        try:
            response = await self.http.post(
                f"{self.base}/v1/tools/{tool}/call", json=arguments, headers=self.headers
            )
        except httpx.HTTPError as exc:
            return Answer("unknown", time.perf_counter() - started, 0, type(exc).__name__, tool)
        answer = classify(response, time.perf_counter() - started)
        answer.tool = tool
        return answer

    async def call_until_accepted(self, tool: str, arguments: dict[str, Any], attempts: int = 50) -> Any:
        for _ in range(attempts):
            started = time.perf_counter()
            response = await self.http.post(
                f"{self.base}/v1/tools/{tool}/call", json=arguments, headers=self.headers
            )
            if classify(response, time.perf_counter() - started).kind == "accepted":
                return response.json().get("structuredContent")
            await anyio.sleep(0.2)  # back off while the upstream recovers
        raise RuntimeError(f"{tool} was never accepted in {attempts} attempts")


async def toggle_faults(
    deployment: Deployment, config: SoakConfig, report: SoakReport, rng: random.Random
) -> None:
    """Every period: remove the previous fault, then (usually) add another, on every faulted proxy."""
    toxiproxy = deployment.toxiproxy
    while True:
        await anyio.sleep(config.fault_period_s)
        for proxy in FAULTED_PROXIES:
            for toxic in await toxiproxy.list_toxics(proxy):
                await toxiproxy.remove_toxic(proxy, toxic.name)
            if rng.random() < FAULT_SHARE:
                kind, stream, attributes, toxicity = rng.choice(FAULTS)
                await toxiproxy.add_toxic(
                    proxy, kind, name="soak", stream=stream, toxicity=toxicity, attributes=attributes
                )
        report.fault_toggles += 1


async def watch_loop_lag(report: SoakReport) -> None:
    """Answers measured on a saturated event loop arrive late for reasons of the loop, not the calls."""
    while True:
        started = time.perf_counter()
        await anyio.sleep(0.05)
        report.loop_lag_max_s = max(report.loop_lag_max_s, time.perf_counter() - started - 0.05)


async def clear_faults(deployment: Deployment) -> None:
    for proxy in FAULTED_PROXIES:
        for toxic in await deployment.toxiproxy.list_toxics(proxy):
            await deployment.toxiproxy.remove_toxic(proxy, toxic.name)


async def caller(
    rest: GatewayRest, config: SoakConfig, report: SoakReport, index: int, stop_at: float
) -> None:
    rng = random.Random(config.seed * 1_000 + index)
    serial = 0
    while time.perf_counter() < stop_at:
        roll = rng.random()
        if roll < 0.6:
            serial += 1
            key = f"soak-{config.seed}-{index}-{serial}"
            source, target = rng.sample(ACCOUNTS, 2)
            arguments = {"from_account": source, "to_account": target, "amount": rng.randint(1, 100)}
            arguments["idempotency_key"] = key
            answer = await rest.call("wallet__transfer", arguments)
            record(report, config, answer)
            kind = answer.kind
            while answer.kind == "unknown" and rng.random() < config.retry_unknown:
                answer = await rest.call("wallet__transfer", arguments)  # same key: safe to repeat
                record(report, config, answer)
                # a definite refusal of a retry says nothing of the earlier attempt: still unknown
                kind = answer.kind if answer.kind in ("accepted", "unknown") else kind
            report.final_by_key[key] = kind
        elif roll < 0.8:
            record(report, config, await rest.call("wallet__get_balance", {"account": rng.choice(ACCOUNTS)}))
        else:
            record(report, config, await rest.call("weather__get_weather", {"city": "Helsinki"}))


def record(report: SoakReport, config: SoakConfig, answer: Answer) -> None:
    report.answers[answer.kind] += 1
    report.latencies.append(answer.latency_s)
    if answer.latency_s > config.deadline_s + config.slack_s:
        report.overruns.append(answer)


async def check_ledger(rest: GatewayRest, report: SoakReport) -> None:
    """Read every account's ledger (all pages) and hold it against what callers were told."""
    seen: set[str] = set()
    for account in ACCOUNTS:
        cursor = None
        while True:
            arguments: dict[str, Any] = {"account": account, "limit": 100}
            if cursor:
                arguments["cursor"] = cursor
            page = await rest.call_until_accepted("wallet__list_transactions", arguments)
            for entry in page["transactions"]:
                if entry["transaction_id"] not in seen:
                    seen.add(entry["transaction_id"])
                    report.ledger_keys[entry["idempotency_key"]] += 1
            cursor = page.get("next_cursor")
            if not cursor:
                break
    for key, kind in report.final_by_key.items():
        count = report.ledger_keys.get(key, 0)
        if kind == "accepted" and count != 1:
            report.problems.append(f"{key}: accepted but {count} ledger entries")
        elif kind in DEFINITE and count != 0:
            report.problems.append(f"{key}: refused {kind} but {count} ledger entries")
        elif kind == "unknown" and count > 1:
            report.problems.append(f"{key}: unknown outcome and {count} ledger entries")
    report.audit = await rest.call_until_accepted("wallet__audit", {})
    if not report.audit.get("ok"):
        report.problems.append(f"audit failed: {report.audit}")


async def count_client_slow_calls(rest: GatewayRest, report: SoakReport, config: SoakConfig) -> None:
    """From the client's own latency histogram (via the gateway's /metrics): calls slower than the first
    bucket at or above deadline + slack. Tells a late answer the client gave from one that waited elsewhere."""
    response = await rest.http.get(f"{rest.base}/metrics", headers=rest.headers)
    counts: dict[str, float] = {}
    for line in response.text.splitlines():
        match = re.match(r'mcph_client_tool_call_seconds_bucket\{le="([^"]+)",.*\} ([0-9.e+]+)$', line)
        if match:
            counts[match[1]] = counts.get(match[1], 0.0) + float(match[2])
    bounds = sorted(
        float(le) for le in counts if le != "+Inf" and float(le) >= config.deadline_s + config.slack_s
    )
    if response.status_code == 200 and bounds and "+Inf" in counts:
        report.client_bound_s = bounds[0]
        report.client_slow_calls = int(counts["+Inf"] - counts[f"{bounds[0]}"])


async def soak(deployment: Deployment, config: SoakConfig) -> SoakReport:
    report = SoakReport()
    limits = httpx.Limits(max_connections=config.callers + 10, max_keepalive_connections=config.callers + 10)
    async with httpx.AsyncClient(timeout=config.deadline_s * 10, limits=limits) as http:
        rest = GatewayRest(http, deployment)
        for i, account in enumerate(ACCOUNTS):
            await rest.call_until_accepted(
                "wallet__deposit",
                {"account": account, "amount": OPENING, "idempotency_key": f"soak-{config.seed}-open-{i}"},
            )
        stop_at = time.perf_counter() + config.seconds
        async with anyio.create_task_group() as tg:
            tg.start_soon(toggle_faults, deployment, config, report, random.Random(config.seed))
            tg.start_soon(watch_loop_lag, report)
            async with anyio.create_task_group() as callers:
                for index in range(config.callers):
                    callers.start_soon(caller, rest, config, report, index, stop_at)
            tg.cancel_scope.cancel()
        await clear_faults(deployment)
        await check_ledger(rest, report)
        await count_client_slow_calls(rest, report, config)
    return report


def soak_options(config: SoakConfig) -> LaunchOptions:
    """The reference deployment with the two client→server edges proxied and short call deadlines."""
    return LaunchOptions(
        topology=reference_topology(proxied=set(FAULTED_PROXIES)),
        redis="fake",
        proxy_seed=config.seed,
        client_overrides={"default_timeout_s": config.deadline_s},
        gateway_overrides={"rate_limit": "1000000/minute"},
    )


def summary(report: SoakReport, config: SoakConfig) -> str:
    finals = Counter(report.final_by_key.values())
    unknown_landed = sum(
        1 for k, v in report.final_by_key.items() if v == "unknown" and report.ledger_keys.get(k)
    )
    return "\n".join(
        [
            f"soak: {config.callers} callers x {config.seconds:g} s, seed {config.seed}, "
            f"deadline {config.deadline_s:g} s (+{config.slack_s:g} s slack), "
            f"{report.fault_toggles} fault toggles on {', '.join(FAULTED_PROXIES)}",
            f"answers: {sum(report.answers.values())} = accepted {report.answers['accepted']}, "
            f"refused-definite {report.answers['not_sent'] + report.answers['rejected']} "
            f"(not_sent {report.answers['not_sent']}, rejected {report.answers['rejected']}), "
            f"indeterminate {report.answers['unknown']}",
            f"latency p50 {report.percentile(0.5) * 1000:.0f} ms, p99 {report.percentile(0.99) * 1000:.0f} ms, "
            f"max {max(report.latencies, default=0) * 1000:.0f} ms; deadline overruns {len(report.overruns)}; "
            f"event loop lag up to {report.loop_lag_max_s * 1000:.0f} ms; "
            f"calls the client itself took over {report.client_bound_s:g} s: {report.client_slow_calls}",
            f"transfers: {len(report.final_by_key)} keys, final accepted {finals['accepted']}, "
            f"definite {finals['not_sent'] + finals['rejected']}, still unknown {finals['unknown']} "
            f"(of which in the ledger: {unknown_landed})",
            f"ledger: {sum(report.ledger_keys.values())} entries, audit ok={report.audit.get('ok')}, "
            f"problems {len(report.problems)}" + "".join(f"\n  {p}" for p in report.problems[:10]),
            *(f"  overrun: {a.describe()}" for a in sorted(report.overruns, key=lambda a: -a.latency_s)[:5]),
        ]
    )


async def run(config: SoakConfig, runner: str = "inprocess") -> SoakReport:
    """``inprocess``: every service in this process (fast start; callers share its event loop) ·
    ``process``: one OS process per service, as in production (callers alone in this process)."""
    if runner == "process":
        from harness.launch.process import launch_processes

        async with launch_processes(soak_options(config)) as deployment:
            return await soak(deployment, config)
    async with launch(soak_options(config)) as deployment:
        return await soak(deployment, config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--deadline", type=float, default=2.0, help="the client's call deadline, s")
    parser.add_argument("--runner", choices=("process", "inprocess"), default="process")
    args = parser.parse_args()
    if args.callers < 1 or not 0 < args.seconds <= 600 or args.deadline <= 0:
        parser.error("--callers ≥ 1, 0 < --seconds ≤ 600, --deadline > 0")
    logging.basicConfig(level=logging.ERROR)
    config = SoakConfig(callers=args.callers, seconds=args.seconds, seed=args.seed, deadline_s=args.deadline)
    report = anyio.run(run, config, args.runner)
    print(summary(report, config))
    raise SystemExit(0 if not report.problems and not report.overruns else 1)


if __name__ == "__main__":
    main()
