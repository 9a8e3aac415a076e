"""What the contract suite is pointed at: a Streamable HTTP URL or a stdio command.

A target is plain data, parsed once from user input (the CLI argument, a pytest option) so every
bad value is reported as a :class:`TargetError` before any check runs.
"""

from __future__ import annotations

import shlex
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

TransportKind = Literal["http", "stdio"]


class ContractError(Exception):
    """Base of the contract suite's own errors."""


class TargetError(ContractError):
    """The target description is unusable (bad URL, empty command)."""


class TargetUnreachable(ContractError):
    """The target could not be reached at all (connection refused, process would not start)."""


@dataclass(frozen=True)
class TlsFiles:
    """A CA bundle to trust and, for mTLS, the client certificate and key (PEM paths)."""

    ca: str | None = None
    cert: str | None = None
    key: str | None = None

    def ssl_context(self) -> ssl.SSLContext:
        try:
            context = ssl.create_default_context(cafile=self.ca)
            if self.cert:
                context.load_cert_chain(self.cert, self.key)
        except (OSError, ssl.SSLError) as exc:
            raise TargetError(f"cannot load TLS files (ca={self.ca}, cert={self.cert}): {exc}") from exc
        return context


@dataclass(frozen=True)
class Target:
    """One MCP server under test."""

    kind: TransportKind
    url: str = ""
    command: tuple[str, ...] = ()
    env: Mapping[str, str] | None = None
    cwd: str | None = None
    extra_headers: Mapping[str, str] = field(default_factory=dict, repr=False)  # credentials: never shown
    tls: TlsFiles | None = None

    @classmethod
    def http(
        cls, url: str, extra_headers: Mapping[str, str] | None = None, tls: TlsFiles | None = None
    ) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise TargetError(f"not an http(s) URL: {url!r} (expected e.g. http://127.0.0.1:8000/mcp)")
        return cls(kind="http", url=url, extra_headers=dict(extra_headers or {}), tls=tls)

    @classmethod
    def stdio(
        cls, command: str | Sequence[str], env: Mapping[str, str] | None = None, cwd: str | None = None
    ) -> Target:
        argv = tuple(shlex.split(command)) if isinstance(command, str) else tuple(command)
        if not argv:
            raise TargetError("empty stdio command")
        return cls(kind="stdio", command=argv, env=env, cwd=cwd)

    @classmethod
    def parse(cls, value: str, stdio: bool = False) -> Target:
        """``value`` is a URL, or with ``stdio`` a shell-quoted command line."""
        return cls.stdio(value) if stdio else cls.http(value)

    @property
    def label(self) -> str:
        return self.url if self.kind == "http" else shlex.join(self.command)
