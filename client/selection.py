"""Tool selection: a natural-language query → the exposed tools ranked by relevance.

The default :class:`Bm25Ranker` (``rank-bm25``) scores documents built from a tool's name split on
``_``/camelCase (server namespace included, weighted up), its title, description and parameter names
and descriptions. Anything satisfying :class:`Ranker` — an agent or an LLM call — can replace it.
The app exposes it as the tool ``client__find_tools`` and as ``GET /v1/tools/search?q=``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rank_bm25 import BM25Okapi

from client.router import RoutedTool

TOKEN = re.compile(r"[a-z0-9]+")
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "get",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "please",
        "show",
        "the",
        "this",
        "to",
        "was",
        "what",
        "when",
        "which",
        "with",
        "you",
        "your",
    }
)
NAME_WEIGHT = 3


@dataclass(frozen=True)
class ScoredTool:
    name: str
    score: float
    description: str


class Ranker(Protocol):
    """Ranks ``tools`` for ``query``; best first, at most ``limit``."""

    async def rank(self, query: str, tools: Sequence[RoutedTool], limit: int) -> list[ScoredTool]: ...


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens; ``get_forecast``/``getForecast`` → ``get``, ``forecast``; light stemming."""
    spaced = CAMEL.sub(" ", text).replace("_", " ").lower()
    return [stem(t) for t in TOKEN.findall(spaced) if t not in STOPWORDS]


def stem(token: str) -> str:
    for suffix in ("ing", "ies", "es", "s", "ed"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            base = token[: -len(suffix)]
            return base + "y" if suffix == "ies" else base
    return token


def parameter_text(schema: dict[str, Any]) -> str:
    properties = schema.get("properties") or {}
    parts: list[str] = []
    if isinstance(properties, dict):
        for key, spec in properties.items():
            parts.append(str(key))
            if isinstance(spec, dict):
                parts.append(str(spec.get("description") or ""))
    return " ".join(parts)


def tool_document(tool: RoutedTool) -> list[str]:
    name_tokens = tokenize(tool.original_name) + tokenize(tool.upstream)
    text = " ".join(
        [
            tool.tool.title or "",
            tool.tool.description or "",
            parameter_text(dict(tool.tool.input_schema or {})),
        ]
    )
    return name_tokens * NAME_WEIGHT + tokenize(text)


class Bm25Ranker:
    """BM25 over tool documents; the index is rebuilt only when the tool set changes."""

    def __init__(self) -> None:
        self._key: tuple[str, ...] = ()
        self._bm25: BM25Okapi | None = None

    async def rank(self, query: str, tools: Sequence[RoutedTool], limit: int) -> list[ScoredTool]:
        if not tools:
            return []
        key = tuple(t.name for t in tools)
        if self._bm25 is None or key != self._key:
            self._bm25 = BM25Okapi([tool_document(t) or ["_"] for t in tools])
            self._key = key
        terms = tokenize(query)
        if not terms:
            return []
        scores = self._bm25.get_scores(terms)
        order = sorted(range(len(tools)), key=lambda i: (-scores[i], tools[i].name))
        return [
            ScoredTool(tools[i].name, round(float(scores[i]), 4), tools[i].tool.description or "")
            for i in order[:limit]
            if scores[i] > 0
        ]


class ToolSelector:
    """Front door for ranking: validates the query and delegates to the configured ranker."""

    def __init__(self, ranker: Ranker | None = None) -> None:
        self.ranker: Ranker = ranker or Bm25Ranker()

    async def find(self, query: str, tools: Sequence[RoutedTool], limit: int) -> list[ScoredTool]:
        query = query.strip()
        if not query:
            raise ValueError("query must not be empty")
        return await self.ranker.rank(query, tools, max(1, limit))
