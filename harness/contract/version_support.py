"""Does the target speak a protocol version? A server may support one version only (a 2025-11-25
server answers ``server/discover`` with -32601; a 2026-07-28-only server refuses ``initialize``).
Unless the user asked for that version, its checks are then not applicable, with the reason —
an honest server is not failed for a version it never claimed."""

from __future__ import annotations

import anyio

from harness.contract.context import Connector
from harness.contract.session import LEGACY, MODERN, VersionNotSpoken
from harness.contract.target import TargetUnreachable
from harness.contract.wire import error_of, result_of


async def version_refusal(connector: Connector) -> str | None:
    """None when the target speaks ``connector.version``; otherwise what it answered instead.

    Raises TargetUnreachable (or TimeoutError) when it answers nothing at all."""
    settings = connector.settings
    with anyio.fail_after(settings.request_timeout_s * 2):
        try:
            session = await connector.shared_session()
        except VersionNotSpoken as exc:
            connector.run.answered = True
            return f"initialize → {exc}"
        if connector.version == LEGACY:
            connector.run.answered = True  # initialize was answered, in this version
            return None
        rid, reply = await session.request("server/discover", {})
        if not reply.messages and reply.status is None:
            raise TargetUnreachable(f"{connector.target.label}: no answer to server/discover")
        connector.run.answered = True
        response = reply.response(rid) or reply.response()  # a wrong id is for the checks to judge
        error = error_of(response)
        if result_of(response) is not None:
            return None
        if error is not None:
            return f"server/discover → error {error.get('code')}: {str(error.get('message'))[:120]}"
        if reply.status is not None and 400 <= reply.status < 500:
            return f"server/discover → {reply.describe(120)}"
        return None  # an odd answer, but an answer: the checks will say what is wrong with it


def not_spoken_reason(version: str, refusal: str) -> str:
    other = LEGACY if version == MODERN else MODERN
    return (
        f"not applicable: the server does not speak {version} ({refusal}); "
        f"pass --protocol {version} to hold it to {version} anyway (other version: {other})"
    )
