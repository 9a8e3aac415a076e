"""How the simulated LLM reads a request: tasks in a message, and tool arguments filled from a task.

A real model understands "weather in Paris, then pay 5 EUR from alice to bob"; the simulation gets the
same effect from a few deterministic rules: a message splits into tasks at "then" / ";", a tool's
arguments are filled from the task by parameter name and JSON type, and amounts in a currency become
minor units when the schema says so. Nothing here is random: the same message always gives the same
calls, and idempotency keys are hashes of the message.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

TASK_SPLIT = re.compile(
    r"\s*(?:;\s*(?:and\s+)?(?:then\s+)?|,?\s+and then\s+|,?\s+then\s+|\.\s+(?=[A-Z]))\s*", re.IGNORECASE
)
CAPITALISED = re.compile(r"\b(?:in|for|at|of)\s+([A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)")
ANY_CAPITALISED = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-Z][a-z][\w-]+)")
NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.])")
CURRENCY = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:eur|euros?|usd|dollars?|gbp|pounds?|chf)\b|[€$£]\s*(\d+(?:\.\d+)?)", re.I
)
WORD = r"([A-Za-z0-9_.-]+)"
FROM_WORD = re.compile(rf"\bfrom\s+{WORD}", re.IGNORECASE)
TO_WORD = re.compile(rf"\bto\s+{WORD}", re.IGNORECASE)
POSSESSIVE = re.compile(rf"\b{WORD}'s\b")
ACCOUNT_WORD = re.compile(rf"\b(?:of|for|account)\s+{WORD}", re.IGNORECASE)
DAYS = re.compile(r"(\d+)\s*days?", re.IGNORECASE)
TEXT_PARAMETERS = ("query", "question", "text", "prompt", "message", "q")
PLACE_PARAMETERS = ("city", "place", "location", "town")
SOURCE_PARAMETERS = ("from_account", "source", "from", "sender", "payer")
TARGET_PARAMETERS = ("to_account", "destination", "to", "recipient", "payee")
KEY_PARAMETERS = ("idempotency_key", "request_id", "key")


def split_tasks(message: str) -> list[str]:
    """``"weather in Paris, then pay 5 EUR"`` → ``["weather in Paris", "pay 5 EUR"]``."""
    parts = [p.strip(" ,.") for p in TASK_SPLIT.split(message.strip())]
    return [p for p in parts if p] or [message.strip()]


def first_type(spec: dict[str, Any]) -> str:
    """The JSON type of a property, looking through ``anyOf``/``oneOf`` of a nullable value."""
    kind = spec.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if isinstance(kind, str):
        return kind
    for option in spec.get("anyOf") or spec.get("oneOf") or []:
        if isinstance(option, dict) and option.get("type") not in (None, "null"):
            return first_type(option)
    return "string"


def minor_units(spec: dict[str, Any]) -> bool:
    description = str(spec.get("description") or "").lower()
    return "minor unit" in description or "cent" in description


def place(task: str) -> str | None:
    match = CAPITALISED.search(task) or ANY_CAPITALISED.search(task)
    return match.group(1) if match else None


def amount(task: str, spec: dict[str, Any]) -> float | None:
    money = CURRENCY.search(task)
    if money:
        value = float(money.group(1) or money.group(2))
        return value * 100 if minor_units(spec) else value
    number = NUMBER.search(task)
    return float(number.group(1)) if number else None


def account(task: str) -> str | None:
    match = POSSESSIVE.search(task) or ACCOUNT_WORD.search(task)
    return match.group(1) if match else None


def idempotency_key(message: str, task_index: int) -> str:
    digest = hashlib.sha256(f"{task_index}:{message}".encode()).hexdigest()[:20]
    return f"sim-{digest}"


def guess(name: str, spec: dict[str, Any], task: str, message: str, task_index: int) -> Any:
    """A value for parameter ``name`` read from ``task``, or None when the task does not say."""
    lowered = name.lower()
    if lowered in PLACE_PARAMETERS:
        return place(task)
    if lowered in SOURCE_PARAMETERS:
        match = FROM_WORD.search(task)
        return match.group(1) if match else None
    if lowered in TARGET_PARAMETERS:
        match = TO_WORD.search(task)
        return match.group(1) if match else None
    if lowered in KEY_PARAMETERS:
        return idempotency_key(message, task_index)
    if "account" in lowered:
        return account(task)
    if lowered in TEXT_PARAMETERS:
        return task
    if lowered == "days":
        match = DAYS.search(task)
        return int(match.group(1)) if match else None
    if lowered in ("amount", "value", "sum"):
        return amount(task, spec)
    return None


def coerce(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "integer":
        return round(float(value))
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return bool(value)
    return str(value)


def fill_arguments(schema: dict[str, Any], task: str, message: str, task_index: int) -> dict[str, Any]:
    """Arguments for a tool with input ``schema``: every property the task gives a value for."""
    properties = schema.get("properties") or {}
    arguments: dict[str, Any] = {}
    for name, spec in properties.items():
        spec = spec if isinstance(spec, dict) else {}
        value = coerce(guess(name, spec, task, message, task_index), first_type(spec))
        if value is not None:
            arguments[name] = value
    return arguments


def break_schema(schema: dict[str, Any], arguments: dict[str, Any]) -> dict[str, Any]:
    """The same call with every value of the wrong JSON type and an unknown parameter added."""
    wrong: dict[str, Any] = {}
    properties = schema.get("properties") or {}
    for name in set(arguments) | set(schema.get("required") or []):
        kind = first_type(properties.get(name) or {})
        wrong[name] = "not-a-number" if kind in ("integer", "number") else 12345
    wrong["unexpected_parameter"] = True
    return wrong
