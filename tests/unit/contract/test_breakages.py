"""Every check fails on a server built to break exactly its rule, and holds on the correct server."""

from __future__ import annotations

import anyio
import pytest

from harness.contract.outcomes import Verdict
from harness.contract.registry import all_checks
from harness.contract.runner import run_contract
from harness.contract.settings import ContractSettings
from harness.contract.target import Target
from tests.contract_targets.breakages import RULES
from tests.contract_targets.protected import AUTH_RULES  # proven behind authorization: test_new_checks_auth
from tests.contract_targets.reference import LONG_TOOL
from tests.contract_targets.serving import serve_fixture

SSE_RULES = {"progress-wrong-token"}


def fast_settings() -> ContractSettings:
    return ContractSettings(
        fuzz_valid_examples=8,
        fuzz_invalid_examples=8,
        call_timeout_s=2.0,  # silence before a hang is called: 0.5 s was crossed by a busy 2-core CI machine
        shrink_budget_s=2,
        long_tool=LONG_TOOL,
        long_tool_arguments={"seconds": 2},
        cancel_grace_s=1.5,
        check_timeout_s=20,
    )


def test_every_check_has_a_breaking_rule() -> None:
    broken = {rule.breaks for rule in (*RULES, *AUTH_RULES)}
    missing = sorted(c.id for c in all_checks() if c.id not in broken)
    assert not missing, f"checks with no server that breaks them: {missing}"


@pytest.mark.anyio
@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
async def test_check_fails_on_server_breaking_its_rule(rule) -> None:  # type: ignore[no-untyped-def]
    check = next(c for c in all_checks() if c.id == rule.breaks)
    with anyio.fail_after(60):
        async with serve_fixture(None, json_response=rule.name not in SSE_RULES) as url:
            good = await run_contract(Target.http(url), check.versions, fast_settings(), only=[check.id])
        async with serve_fixture(rule.name, json_response=rule.name not in SSE_RULES) as url:
            bad = await run_contract(Target.http(url), check.versions, fast_settings(), only=[check.id])
    held = [r for r in good.results if r.verdict == Verdict.PASS]
    assert held, f"{check.id} never held on the correct server: {[(r.version, r.why) for r in good.results]}"
    for r in held:
        broken = bad.result(check.id, r.version)
        assert broken.verdict == Verdict.FAIL, (
            f"{check.id}[{r.version}] did not catch {rule.name}: {broken.why}"
        )
        assert broken.why.startswith("expected "), broken.why
