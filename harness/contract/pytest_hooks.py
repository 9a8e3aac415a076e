"""pytest integration: ``--mcp-target URL`` or ``--mcp-stdio "cmd"`` turns every contract check into
a test item named by its id and protocol version.

The whole contract runs once (at the first item) and each item reports its own result; a failure
reads like a finding: the spec clause, what was expected, what was observed. Register with
``-p harness.contract.pytest_hooks`` or import the hooks into the project's pytest plugin.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from harness.contract.outcomes import Verdict
from harness.contract.registry import select_checks
from harness.contract.results import CheckResult, ContractReport
from harness.contract.runner import run_contract, versions_from_option
from harness.contract.session import PROTOCOL_VERSIONS
from harness.contract.settings import ContractSettings
from harness.contract.target import ContractError, Target

REPORT_KEY = pytest.StashKey[ContractReport | str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mcp-contract", "MCP contract suite")
    group.addoption(
        "--mcp-target", default=None, help="run the MCP contract against this Streamable HTTP URL"
    )
    group.addoption(
        "--mcp-stdio", default=None, help='run the MCP contract against this stdio command ("cmd args")'
    )
    group.addoption("--mcp-protocol", default="all", help="2026-07-28 | 2025-11-25 | all (default)")
    group.addoption("--mcp-check", action="append", default=[], help="only checks with this id or prefix")


def contract_target(config: pytest.Config) -> Target | None:
    url, command = config.getoption("--mcp-target"), config.getoption("--mcp-stdio")
    if url and command:
        raise pytest.UsageError("give --mcp-target or --mcp-stdio, not both")
    try:
        if url:
            return Target.http(url)
        if command:
            return Target.stdio(command)
    except ContractError as exc:
        raise pytest.UsageError(str(exc)) from exc
    return None


class ContractFailure(Exception):
    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.why)
        self.result = result


class ContractItem(pytest.Item):
    """One check at one protocol version; its outcome comes from the run shared by all items."""

    def __init__(self, *, check_id: str, version: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check_id = check_id
        self.version = version

    def runtest(self) -> None:
        report = shared_report(self.config)
        if isinstance(report, str):
            raise ContractFailure(
                CheckResult(self.check_id, self.version, "", "", "MUST", Verdict.ERROR, report, 0.0)
            )
        result = report.result(self.check_id, self.version)
        if result.verdict == Verdict.SKIP:
            pytest.skip(result.why)
        if result.verdict in (Verdict.FAIL, Verdict.ERROR):
            if result.severity == "SHOULD":
                pytest.xfail(f"SHOULD not met: {result.why}")
            raise ContractFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ContractFailure):
            r = excinfo.value.result
            return "\n".join(
                [
                    f"MCP contract check {r.check_id} [{r.version}] {r.verdict.value}",
                    f"  clause:   {r.clause} ({r.severity})" if r.clause else f"  severity: {r.severity}",
                    f"  finding:  {r.why}",
                ]
            )
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "mcp-contract", None, f"{self.check_id}[{self.version}]"


def shared_report(config: pytest.Config) -> ContractReport | str:
    """Run the contract once per pytest session; a target that cannot be reached becomes the reason."""
    if REPORT_KEY not in config.stash:
        target = contract_target(config)
        assert target is not None
        versions = versions_from_option(config.getoption("--mcp-protocol"))
        only = config.getoption("--mcp-check") or None
        try:
            config.stash[REPORT_KEY] = anyio.run(
                lambda: run_contract(target, versions, ContractSettings(), only)
            )
        except ContractError as exc:
            config.stash[REPORT_KEY] = f"target unreachable: {exc}"
    return config.stash[REPORT_KEY]


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    target = contract_target(config)
    if target is None:
        return
    try:
        versions = versions_from_option(config.getoption("--mcp-protocol"))
        checks = select_checks(config.getoption("--mcp-check") or None)
    except (ValueError, KeyError) as exc:
        raise pytest.UsageError(str(exc)) from exc
    for version in (v for v in PROTOCOL_VERSIONS if v in versions):
        for check in checks:
            if version in check.versions:
                items.append(
                    ContractItem.from_parent(
                        session, name=f"{check.id}[{version}]", check_id=check.id, version=version
                    )
                )
