"""User input shared by the CLI, the pytest options and the Python API: headers (``Name: value`` with
``${ENV}`` expanded), TLS files, known-good calls (``tool={json}`` or ``@file``), tool filters.

Every bad value becomes a :class:`~harness.contract.target.TargetError` whose message never
contains a header value (they are usually credentials).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from harness.contract.target import Target, TargetError, TlsFiles

ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def expand_env(value: str, environ: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise TargetError(f"environment variable {name} is not set (used in --header)")
        return environ[name]

    return ENV_REFERENCE.sub(substitute, value)


def parse_headers(values: Iterable[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``["Authorization: Bearer ${TOKEN}"]`` → ``{"Authorization": "Bearer …"}``."""
    environ = os.environ if environ is None else environ
    headers: dict[str, str] = {}
    for raw in values:
        name, colon, value = raw.partition(":")
        name = name.strip()
        if not colon or not HEADER_NAME.match(name):
            raise TargetError(f"--header wants 'Name: value'; got a value starting {raw[:12]!r}…")
        expanded = expand_env(value.strip(), environ)
        if "\n" in expanded or "\r" in expanded:
            raise TargetError(f"--header {name}: the value contains a line break")
        headers[name] = expanded
    return headers


def tls_files(ca: str | None, cert: str | None, key: str | None) -> TlsFiles | None:
    if key and not cert:
        raise TargetError("--key needs --cert")
    for flag, path in (("--ca", ca), ("--cert", cert), ("--key", key)):
        if path and not Path(path).is_file():
            raise TargetError(f"{flag}: no such file: {path}")
    return TlsFiles(ca, cert, key) if (ca or cert) else None


def build_target(
    value: str,
    *,
    stdio: bool = False,
    headers: Iterable[str] = (),
    ca: str | None = None,
    cert: str | None = None,
    key: str | None = None,
) -> Target:
    """A target from the user's words; headers and TLS only make sense over HTTP."""
    if stdio:
        if list(headers) or ca or cert:
            raise TargetError("--header/--ca/--cert apply to HTTP targets, not --stdio")
        return Target.stdio(value)
    return Target.http(value, parse_headers(headers), tls_files(ca, cert, key))


def parse_examples(values: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """``tool={json}`` entries, or ``@file`` holding such lines or a JSON object ``{tool: args | [args]}``."""
    examples: dict[str, list[dict[str, Any]]] = {}
    for raw in values:
        for name, arguments in example_entries(raw):
            if not isinstance(arguments, dict):
                raise TargetError(f"--example {name}: the arguments must be a JSON object")
            examples.setdefault(name, []).append(arguments)
    return examples


def example_entries(raw: str) -> list[tuple[str, Any]]:
    if raw.startswith("@"):
        path = Path(raw[1:])
        try:
            text = path.read_text()
        except OSError as exc:
            raise TargetError(f"--example {raw}: {exc.strerror}") from exc
        stripped = text.strip()
        if stripped.startswith("{"):
            document = decode(stripped, raw)
            if not isinstance(document, dict):
                raise TargetError(f"--example {raw}: expected an object of tool → arguments")
            return [
                (name, item)
                for name, value in document.items()
                for item in (value if isinstance(value, list) else [value])
            ]
        return [entry for line in stripped.splitlines() if line.strip() for entry in example_entries(line)]
    name, equals, payload = raw.partition("=")
    if not equals or not name.strip():
        raise TargetError(f"--example wants 'tool={{json}}' or '@file'; got {raw[:60]!r}")
    return [(name.strip(), decode(payload, raw))]


def decode(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise TargetError(f"--example {where[:60]}: not JSON ({exc})") from exc
