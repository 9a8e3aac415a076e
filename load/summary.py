"""What a load run prints (tables that fit 80 columns) and writes (``summary.json``).

Per request name: requests, error rate, throughput, p50/p95/p99. With a fault timeline, the same per
window, so "wallet p95 unchanged while weather was slow" is one glance. Then each objective with its
measured value, and the wallet check.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich import box
from rich.table import Table

from load.faults_timeline import AppliedStep, Window
from load.samples import Sample
from load.slo import Verdict
from load.stats import AGGREGATE, NameStats, summarize
from load.wallet_audit import WalletCheck

WIDTH = 80


def short(name: str) -> str:
    return name.removeprefix("tools/call ")


def ms(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def results_table(stats: dict[str, NameStats], title: str = "load: per tool") -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, width=WIDTH)
    table.add_column("tool / request", overflow="fold", ratio=1)
    for column in ("reqs", "err %", "req/s", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="right", no_wrap=True)
    for name, s in stats.items():
        style = "bold" if name == AGGREGATE else None
        table.add_row(
            short(name),
            str(s.requests),
            f"{s.error_rate * 100:.2f}",
            f"{s.rps:.1f}",
            ms(s.percentile(50)),
            ms(s.percentile(95)),
            ms(s.percentile(99)),
            style=style,
        )
    return table


def window_stats(samples: list[Sample], windows: list[Window]) -> list[tuple[Window, dict[str, NameStats]]]:
    result = []
    for window in windows:
        inside = [s for s in samples if window.start <= s.start < window.end]
        result.append((window, summarize(inside, window.end - window.start)))
    return result


def windows_table(per_window: list[tuple[Window, dict[str, NameStats]]], origin: float) -> Table:
    table = Table(title="load: per fault window", box=box.SIMPLE_HEAD, width=WIDTH)
    table.add_column("window", overflow="fold", ratio=1)
    table.add_column("tool", overflow="fold", ratio=1)
    for column in ("reqs", "err %", "p50 ms", "p95 ms"):
        table.add_column(column, justify="right", no_wrap=True)
    for window, stats in per_window:
        span = f"{window.start - origin:.0f}-{window.end - origin:.0f}s {window.label}"
        for index, (name, s) in enumerate(stats.items()):
            if name == AGGREGATE:
                continue
            table.add_row(
                span if index == 0 else "",
                short(name),
                str(s.requests),
                f"{s.error_rate * 100:.2f}",
                ms(s.percentile(50)),
                ms(s.percentile(95)),
            )
        table.add_section()
    return table


def slo_table(verdicts: list[Verdict]) -> Table:
    table = Table(title="load: objectives", box=box.SIMPLE_HEAD, width=WIDTH)
    table.add_column("objective", overflow="fold", ratio=2)
    table.add_column("measured", justify="right", ratio=1)
    table.add_column("verdict", no_wrap=True)
    for v in verdicts:
        measured = "no requests" if v.measured is None else v.objective.format_value(v.measured)
        table.add_row(v.objective.text, measured, "[green]held[/]" if v.held else "[red]FAILED[/]")
    return table


def wallet_line(check: WalletCheck) -> str:
    audit = check.audit
    facts = (
        f"{check.accepted} accepted transfers of {check.attempted} sent, {check.in_ledger} of this run in "
        f"the ledger; balances {audit.get('total_balances')} = deposits {audit.get('total_deposited')}"
    )
    if check.ok:
        return f"[green]wallet intact[/]: {facts}"
    return f"[red]wallet check FAILED[/]: {facts}\n  " + "\n  ".join(check.problems)


def stats_json(stats: dict[str, NameStats]) -> dict[str, Any]:
    return {
        name: {
            "requests": s.requests,
            "failures": s.failures,
            "rps": round(s.rps, 2),
            "p50_ms": s.percentile(50),
            "p95_ms": s.percentile(95),
            "p99_ms": s.percentile(99),
            "max_ms": s.max_ms,
            "failure_messages": s.failure_messages,
        }
        for name, s in stats.items()
    }


def summary_json(
    stats: dict[str, NameStats],
    verdicts: list[Verdict],
    per_window: list[tuple[Window, dict[str, NameStats]]],
    applied: list[AppliedStep],
    wallet: WalletCheck | None,
    origin: float,
) -> dict[str, Any]:
    return {
        "stats": stats_json(stats),
        "objectives": [
            {"objective": v.objective.text, "measured": v.measured, "held": v.held, "why": v.describe()}
            for v in verdicts
        ],
        "faults": [{"at_s": round(a.at - origin, 3), "step": a.label, "error": a.error} for a in applied],
        "windows": [
            {"start_s": round(w.start - origin, 3), "end_s": round(w.end - origin, 3), "faults": w.label}
            | {"stats": stats_json(s)}
            for w, s in per_window
        ],
        "wallet": None if wallet is None else asdict(wallet) | {"ok": wallet.ok},
    }
