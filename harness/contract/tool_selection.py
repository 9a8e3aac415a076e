"""Which tools the suite may call: a harness never harms its target, so tools explicitly annotated
``destructiveHint: true`` are left alone unless allowed, ``--read-only-only`` keeps to tools annotated
``readOnlyHint: true``, and ``--skip-tool`` / ``--only-tool`` filter by name or glob.

Unannotated tools are still called (as API fuzzers do); the CLI says so at the start of every run.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from harness.contract.settings import ContractSettings

SAFETY_NOTICE = (
    "note: tools without annotations are called with generated and hostile arguments; point the suite "
    "at a disposable instance. Tools annotated destructiveHint: true are not called{destructive}."
)


def safety_notice(settings: ContractSettings) -> str:
    if settings.allow_destructive:
        return SAFETY_NOTICE.replace(" are not called{destructive}", " ARE called (--allow-destructive)")
    return SAFETY_NOTICE.format(destructive=" (--allow-destructive to call them)")


def matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(name == p or fnmatchcase(name, p) for p in patterns)


def annotation(tool: dict[str, Any], key: str) -> Any:
    annotations = tool.get("annotations")
    return annotations.get(key) if isinstance(annotations, dict) else None


def exclusion(tool: dict[str, Any], settings: ContractSettings) -> str | None:
    """Why ``tool`` must not be called (None when it may be)."""
    name = str(tool.get("name"))
    if name == settings.long_tool:
        return "the long-running tool (used by the cancellation check only)"
    if settings.only_tools and not matches(name, settings.only_tools):
        return "not selected by --only-tool"
    if matches(name, settings.skip_tools):
        return "--skip-tool"
    if annotation(tool, "destructiveHint") is True and not settings.allow_destructive:
        return "annotated destructiveHint: true (--allow-destructive to call it)"
    if settings.read_only_only and annotation(tool, "readOnlyHint") is not True:
        return "not annotated readOnlyHint: true (--read-only-only)"
    return None


def split_callable(
    tools: list[dict[str, Any]], settings: ContractSettings
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """(tools that may be called, {name: why not} for the others)."""
    allowed: list[dict[str, Any]] = []
    excluded: dict[str, str] = {}
    for tool in tools:
        reason = exclusion(tool, settings)
        if reason is None:
            allowed.append(tool)
        else:
            excluded[str(tool.get("name"))] = reason
    return allowed, excluded
