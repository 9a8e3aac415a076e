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
from harness.contract.run_options import RunOptions
from harness.contract.runner import run_contract, versions_from_option
from harness.contract.session import PROTOCOL_VERSIONS
from harness.contract.settings import ContractSettings
from harness.contract.target import ContractError, Target
from harness.contract.tool_selection import safety_notice

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
    many = {"action": "append", "default": []}
    group.addoption("--mcp-header", **many, help="'Name: value' on every request (${ENV} expanded)")
    group.addoption("--mcp-ca", default=None, help="CA bundle to trust (PEM)")
    group.addoption("--mcp-cert", default=None, help="client certificate for mTLS (PEM)")
    group.addoption("--mcp-key", default=None, help="client key for mTLS (PEM)")
    group.addoption("--mcp-example", **many, help="known-good call 'tool={json}' or @file")
    group.addoption("--mcp-skip-tool", **many, help="never call this tool (name or glob)")
    group.addoption("--mcp-only-tool", **many, help="call only these tools (name or glob)")
    group.addoption("--mcp-allow-destructive", action="store_true", help="call destructiveHint tools too")
    group.addoption("--mcp-read-only-only", action="store_true", help="call only readOnlyHint tools")
    group.addoption("--mcp-call-timeout", type=float, default=None, help="seconds of silence = a hang")
    group.addoption("--mcp-restart-cmd", default=None, help="HTTP: command that restarts a dead target")
    group.addoption("--mcp-sandbox-dir", default=None, help="stdio: run in a throw-away copy of DIR")


def run_options(config: pytest.Config) -> RunOptions | None:
    url, command = config.getoption("--mcp-target"), config.getoption("--mcp-stdio")
    if url and command:
        raise pytest.UsageError("give --mcp-target or --mcp-stdio, not both")
    if not (url or command):
        return None
    return RunOptions(
        url or command,
        stdio=bool(command),
        headers=config.getoption("--mcp-header"),
        ca=config.getoption("--mcp-ca"),
        cert=config.getoption("--mcp-cert"),
        key=config.getoption("--mcp-key"),
        examples=config.getoption("--mcp-example"),
        skip_tools=config.getoption("--mcp-skip-tool"),
        only_tools=config.getoption("--mcp-only-tool"),
        allow_destructive=config.getoption("--mcp-allow-destructive"),
        read_only_only=config.getoption("--mcp-read-only-only"),
        call_timeout_s=config.getoption("--mcp-call-timeout"),
        restart_cmd=config.getoption("--mcp-restart-cmd"),
        sandbox_dir=config.getoption("--mcp-sandbox-dir"),
    )


def contract_setup(config: pytest.Config) -> tuple[Target, ContractSettings] | None:
    options = run_options(config)
    if options is None:
        return None
    try:
        return options.build()
    except ContractError as exc:
        raise pytest.UsageError(str(exc)) from exc


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
        if result.verdict in (Verdict.SKIP, Verdict.NOT_RUN):
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
        setup = contract_setup(config)
        assert setup is not None
        target, settings = setup
        versions = versions_from_option(config.getoption("--mcp-protocol"))
        only = config.getoption("--mcp-check") or None
        try:
            config.stash[REPORT_KEY] = anyio.run(lambda: run_contract(target, versions, settings, only))
        except ContractError as exc:
            config.stash[REPORT_KEY] = f"target unreachable: {exc}"
    return config.stash[REPORT_KEY]


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if contract_setup(config) is None:
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


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say at the start what the run will call (unannotated tools are fuzzed)."""
    setup = contract_setup(config)
    return safety_notice(setup[1]) if setup is not None else None
