"""Each auth check holds on the fixture behind correct bearer authorization, fails on the same server
with exactly its flaw, and is not applicable (with the reason) on a server that asks for no credentials."""

from __future__ import annotations

import anyio
import pytest

from harness.contract.outcomes import Verdict
from harness.contract.registry import all_checks
from harness.contract.runner import run_contract
from harness.contract.session import PROTOCOL_VERSIONS
from harness.contract.target import Target
from tests.contract_targets.protected import AUTH_RULES, TOKEN, serve_protected
from tests.contract_targets.serving import serve_fixture
from tests.unit.contract.test_breakages import fast_settings

CREDENTIALS = {"Authorization": f"Bearer {TOKEN}"}


def test_every_auth_check_has_a_flaw() -> None:
    auth_checks = {c.id for c in all_checks() if c.id.startswith("auth.")}
    assert auth_checks == {rule.breaks for rule in AUTH_RULES}


@pytest.mark.anyio
@pytest.mark.parametrize("rule", AUTH_RULES, ids=[r.name for r in AUTH_RULES])
async def test_auth_check_holds_when_correct_and_fails_on_its_flaw(rule) -> None:  # type: ignore[no-untyped-def]
    with anyio.fail_after(60):
        async with serve_protected() as url:
            good = await run_contract(
                Target.http(url, CREDENTIALS), settings=fast_settings(), only=[rule.breaks]
            )
        async with serve_protected(rule.name) as url:
            bad = await run_contract(
                Target.http(url, CREDENTIALS), settings=fast_settings(), only=[rule.breaks]
            )
    for version in PROTOCOL_VERSIONS:
        held = good.result(rule.breaks, version)
        assert held.verdict == Verdict.PASS, f"{held.name}: {held.why}"
        broken = bad.result(rule.breaks, version)
        assert broken.verdict == Verdict.FAIL, f"{broken.name} did not catch {rule.name}: {broken.why}"
        assert broken.why.startswith("expected "), broken.why


@pytest.mark.anyio
async def test_auth_checks_do_not_apply_to_a_server_without_credentials() -> None:
    with anyio.fail_after(60):
        async with serve_fixture(None) as url:
            report = await run_contract(Target.http(url), settings=fast_settings(), only=["auth"])
    assert report.results
    for result in report.results:
        assert result.verdict == Verdict.SKIP, f"{result.name}: {result.why}"
        assert "not 401" in result.why


@pytest.mark.anyio
async def test_other_checks_still_hold_behind_authorization() -> None:
    with anyio.fail_after(60):
        async with serve_protected() as url:
            report = await run_contract(
                Target.http(url, CREDENTIALS),
                settings=fast_settings(),
                only=["prompts", "resources", "tools.list"],
            )
    assert report.passed, [(r.name, r.why) for r in report.results if r.breaks_run]
    assert report.result("prompts.get", "2026-07-28").verdict == Verdict.PASS


@pytest.mark.anyio
async def test_our_gateway_is_an_honest_auth_target() -> None:
    """The gateway answers 401 with a Bearer challenge, refuses an invalid key and serves nothing
    anonymously; it advertises no OAuth metadata (API keys), so that check is not applicable."""
    from harness.launch.inprocess import LaunchOptions, launch
    from harness.topology import reference_topology

    options = LaunchOptions(topology=reference_topology(proxied=False), mtls=True)
    with anyio.fail_after(120):
        async with launch(options) as deployment:
            gateway, key = deployment.endpoints.gateway, deployment.endpoints.api_key
            assert gateway is not None and key is not None
            report = await run_contract(
                Target.http(gateway, {"Authorization": f"Bearer {key}"}),
                settings=fast_settings(),
                only=["auth"],
            )
    verdicts = {(r.check_id, r.version): r.verdict for r in report.results}
    for version in PROTOCOL_VERSIONS:
        for check_id in (
            "auth.www-authenticate",
            "auth.invalid-token-401",
            "auth.nothing-without-credentials",
        ):
            assert verdicts[(check_id, version)] == Verdict.PASS, report.result(check_id, version).why
        skipped = report.result("auth.protected-resource-metadata", version)
        assert skipped.verdict == Verdict.SKIP and "not advertised" in skipped.why
