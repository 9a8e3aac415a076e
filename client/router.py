"""The aggregated tool registry: every upstream's tools under ``<server><sep><tool>``, and routing back.

Names are namespaced so two servers may both have ``health``; such a shared plain name is a
*collision*, reported at start-up (policy ``prefix``: both stay reachable by their namespaced names;
policy ``fail``: start-up refuses). Two tools whose namespaced names are identical (``a`` + ``b__c``
vs ``a__b`` + ``c``) are always a collision: the first upstream in configuration order keeps the name.
Annotations (``readOnlyHint``, ``idempotentHint``…) are kept as the server declared them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import mcp_types as types

from client.errors import ToolCollision, ToolNotFound

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoutedTool:
    """A tool as the client exposes it, and where calls to it go."""

    name: str
    upstream: str
    original_name: str
    tool: types.Tool

    @property
    def safe_to_repeat(self) -> bool:
        """Read-only or idempotent: a retry cannot do anything twice."""
        hints = self.tool.annotations
        return bool(hints and (hints.read_only_hint or hints.idempotent_hint))


@dataclass(frozen=True)
class Collision:
    """``name`` is offered by several upstreams; ``exposed`` is True when even namespacing clashes."""

    name: str
    upstreams: tuple[str, ...]
    exposed: bool = False

    def describe(self) -> str:
        kind = "namespaced name" if self.exposed else "tool name"
        return f"{kind} {self.name!r} offered by {', '.join(self.upstreams)}"


class ToolRouter:
    """Maps exposed names to upstream tools; rebuilt whenever an upstream's tool list changes."""

    def __init__(self, separator: str = "__", policy: Literal["prefix", "fail"] = "prefix") -> None:
        self.separator = separator
        self.policy = policy
        self._routes: dict[str, RoutedTool] = {}
        self.collisions: list[Collision] = []
        self.version = 0
        self._started = False

    def exposed_name(self, upstream: str, tool: str) -> str:
        return f"{upstream}{self.separator}{tool}"

    def rebuild(self, listings: Mapping[str, Sequence[types.Tool]]) -> None:
        routes: dict[str, RoutedTool] = {}
        owners_by_plain: dict[str, list[str]] = {}
        clashes: dict[str, list[str]] = {}
        for upstream, tools in listings.items():
            for tool in tools:
                owners_by_plain.setdefault(tool.name, []).append(upstream)
                exposed = self.exposed_name(upstream, tool.name)
                if exposed in routes:
                    clashes.setdefault(exposed, [routes[exposed].upstream]).append(upstream)
                    continue
                renamed = tool.model_copy(update={"name": exposed})
                routes[exposed] = RoutedTool(exposed, upstream, tool.name, renamed)
        collisions = [
            Collision(name, tuple(owners))
            for name, owners in sorted(owners_by_plain.items())
            if len(owners) > 1
        ]
        collisions += [
            Collision(name, tuple(owners), exposed=True) for name, owners in sorted(clashes.items())
        ]
        if self._started:  # at start-up, check_collisions reports them all at once
            for text in sorted({c.describe() for c in collisions} - {c.describe() for c in self.collisions}):
                logger.warning("tool collision: %s", text)
        self._routes = routes
        self.collisions = collisions
        self.version += 1

    def check_collisions(self) -> None:
        """Raise :class:`ToolCollision` when the policy forbids what :meth:`rebuild` found."""
        self._started = True
        if self.collisions and self.policy == "fail":
            raise ToolCollision("; ".join(c.describe() for c in self.collisions))
        for collision in self.collisions:
            logger.warning("tool collision (kept apart by namespacing): %s", collision.describe())

    def resolve(self, name: str) -> RoutedTool:
        try:
            return self._routes[name]
        except KeyError:
            raise ToolNotFound(f"no tool named {name!r}") from None

    def tools(self) -> list[RoutedTool]:
        return list(self._routes.values())
