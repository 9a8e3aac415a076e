"""One check, run: exceptions become verdicts, and a failing check is followed by a look at the
target — a stdio process that exited is reported (exit status, stderr tail) and respawned; an HTTP
target that stopped answering is restarted with ``--restart-cmd`` or declared dead, after which
the remaining checks are "not run" with the reason."""

from __future__ import annotations

import time
from typing import Any

import anyio

from harness.contract.context import CheckContext, Connector
from harness.contract.fuzz_calls import probe, revive
from harness.contract.outcomes import NOT_FOR_STDIO, CheckFailed, CheckSkipped, Verdict
from harness.contract.registry import Check
from harness.contract.reproduce import one_liner, shown
from harness.contract.results import CheckResult
from harness.contract.session import ProtocolFailure, VersionNotSpoken
from harness.contract.target import TargetUnreachable

Outcome = tuple[Verdict, str, list[dict[str, Any]]]


class CheckRun:
    """Runs the checks of one protocol version on one connector and keeps their results."""

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.tools_cache: dict[str, object] = {}
        self.results: list[CheckResult] = []

    async def run(self, check: Check, even_if_dead: bool = False) -> None:
        run = self.connector.run
        started = time.perf_counter()
        details: list[dict[str, Any]] = []
        if run.dead and not even_if_dead:
            verdict, why = Verdict.NOT_RUN, f"not run: {run.dead}"
        else:
            verdict, why, details = await self.evaluate(check)
            if verdict in (Verdict.FAIL, Verdict.ERROR) and not even_if_dead:
                why += await self.after_failure(check)
        self.results.append(
            CheckResult(
                check.id,
                self.connector.version,
                check.title,
                check.clause,
                check.severity,
                verdict,
                why,
                time.perf_counter() - started,
                details,
            )
        )

    async def evaluate(self, check: Check) -> Outcome:
        context = CheckContext(self.connector, self.tools_cache)  # type: ignore[arg-type]
        if context.target.kind not in check.transports:
            return Verdict.SKIP, NOT_FOR_STDIO, []
        timeout = context.settings.check_timeout_s
        try:
            with anyio.fail_after(None if check.per_call_deadlines else timeout):
                note = await check.run(context)
        except CheckFailed as failed:
            return Verdict.FAIL, str(failed), failed.details
        except CheckSkipped as skipped:
            return Verdict.SKIP, str(skipped), []
        except VersionNotSpoken as exc:
            return Verdict.FAIL, f"expected the server to speak {context.version}; observed {exc}", []
        except TimeoutError as exc:
            waited = str(exc) or f"no conclusion within {timeout:g} s (server too slow or hung)"
            return Verdict.FAIL, f"expected an answer; observed {waited}{self.last_request()}", []
        except TargetUnreachable as exc:
            why = f"the server became unreachable during the check: {exc}{self.last_request()}"
            return Verdict.FAIL, why, []
        except ProtocolFailure as exc:
            return Verdict.ERROR, f"could not evaluate: {exc}", []
        except Exception as exc:  # the boundary: every other failure is reported, never raised
            return Verdict.ERROR, f"{type(exc).__name__}: {exc or 'raised without a message'}", []
        return Verdict.PASS, note or "held", []

    def last_request(self) -> str:
        shared = self.connector.current_shared
        if shared is None or shared.last_sent is None:
            return ""
        body, headers = shared.last_sent
        return f"; last request: {shown(one_liner(self.connector.target, self.connector.version, body, headers))}"

    async def after_failure(self, check: Check) -> str:
        """Is the target still there? Say what happened to it, and bring it back if we can."""
        context = CheckContext(self.connector, self.tools_cache)  # type: ignore[arg-type]
        async with self.connector.run.lock:  # concurrent failures: one look, one revival
            if self.connector.run.dead:
                return ""
            alive, account = await probe(context)
            if alive:
                return ""
            what = await revive(context, account)
        self.connector.run.deaths.append((context.version, f"during {check.id}: {account}{what}"))
        return f"; the target stopped answering ({account}){what}"
