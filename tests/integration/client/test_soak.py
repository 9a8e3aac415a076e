"""The soak benchmark's short form: callers through the gateway while faults toggle on the client's
edges to the wallet and the weather server; what callers were told must match the ledger exactly.

This is the regression test of "an applied write reported as never sent": every transfer answered
``not_sent`` (or ``rejected``) must be absent from the ledger, every accepted one present once, and no
answer may come later than the call deadline plus the stated slack.
"""

from __future__ import annotations

import anyio
import pytest

from bench.soak import SoakConfig, run, summary

pytestmark = pytest.mark.anyio


async def test_short_soak_keeps_the_ledger_exact_and_answers_within_the_deadline() -> None:
    # Every service and the callers share this process's loop here, so the slack is wider than the
    # deadline test's 0.5 s (test_deadline_budget.py holds that one); the ledger is the point.
    config = SoakConfig(callers=16, seconds=6.0, seed=11, deadline_s=1.5, slack_s=1.0, fault_period_s=0.5)
    with anyio.fail_after(120):
        report = await run(config)
    print("\n" + summary(report, config))
    assert sum(report.answers.values()) > 100 and report.fault_toggles >= 5, summary(report, config)
    assert report.problems == [], summary(report, config)
    assert report.overruns == [], summary(report, config)
    assert report.client_slow_calls == 0, summary(report, config)  # the client's own histogram agrees
    assert report.audit.get("ok") is True
