"""Vector indexes: where chunk vectors live and how the nearest ones are found.

:class:`VectorIndex` is the interface the knowledge base uses — replace a document's chunks, search,
report stats — with two backends chosen by ``settings.vector_backend``:

* :class:`FaissIndex` (default, in memory): ``IndexFlatIP`` (exact) while the corpus is small, rebuilt as
  ``IndexHNSWFlat`` (approximate, ~100× faster at 100k vectors) once it reaches ``hnsw_threshold``.
  HNSW cannot delete, so replaced chunks become tombstones filtered out of results, and the index is
  compacted (rebuilt from the live rows) when tombstones exceed a quarter of the live vectors.
* :class:`~servers.knowledge.pgvector_index.PgVectorIndex`: PostgreSQL with the pgvector extension.

Vectors are unit length, so inner product = cosine similarity = the score callers see.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import anyio
import anyio.to_thread
import faiss
import numpy as np

from servers.knowledge.models import IndexStats, MetadataValue
from servers.knowledge.settings import KnowledgeSettings

IndexKind = Literal["flat", "hnsw"]


#: up to this many vectors, a search runs on the event loop (well under a millisecond, flat or HNSW)
INLINE_SEARCH_MAX_VECTORS = 2_000


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as stored next to its vector: enough to cite it and quote from it."""

    chunk_id: str
    document_id: str
    ordinal: int
    title: str | None
    text: str
    metadata: dict[str, MetadataValue] | None = None


@dataclass(frozen=True)
class ScoredChunk:
    chunk: StoredChunk
    score: float


class VectorIndex(ABC):
    """Document-level storage of chunk vectors with nearest-neighbour search."""

    backend: str

    @abstractmethod
    async def replace_documents(self, chunks: Sequence[StoredChunk], vectors: np.ndarray) -> int:
        """Make ``chunks`` the only chunks of their documents; returns how many documents existed before.

        Row ``i`` of ``vectors`` belongs to ``chunks[i]``. All or nothing.
        """

    @abstractmethod
    async def search(self, query: np.ndarray, k: int) -> list[ScoredChunk]:
        """The ``k`` chunks closest to the unit vector ``query``, best first."""

    @abstractmethod
    async def stats(self) -> IndexStats: ...

    @abstractmethod
    async def ping(self) -> None:
        """Raise if the index cannot serve."""


class FaissIndex(VectorIndex):
    """In-memory FAISS: flat while small, HNSW from ``hnsw_threshold`` vectors on."""

    backend = "faiss"

    def __init__(
        self,
        dim: int,
        hnsw_threshold: int = 20_000,
        hnsw_m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 64,
    ) -> None:
        self.dim = dim
        self.hnsw_threshold = hnsw_threshold
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self._matrix = np.zeros((0, dim), dtype=np.float32)  # one row per slot, dead ones included
        self._chunks: list[StoredChunk | None] = []  # None = tombstone
        self._slots_by_document: dict[str, list[int]] = {}
        self._dead = 0
        self._kind: IndexKind = "flat"
        self._index: Any = faiss.IndexFlatIP(dim)
        self._lock = anyio.Lock()

    # -- reading -------------------------------------------------------------------------------------
    @property
    def kind(self) -> IndexKind:
        return self._kind

    @property
    def live_vectors(self) -> int:
        return len(self._chunks) - self._dead

    @property
    def document_count(self) -> int:
        return len(self._slots_by_document)

    async def stats(self) -> IndexStats:
        return IndexStats(
            backend=self.backend,
            index_kind=self._kind,
            documents=self.document_count,
            vectors=self.live_vectors,
            dim=self.dim,
        )

    async def ping(self) -> None:
        if self._index.ntotal != len(self._chunks):
            raise RuntimeError(f"index holds {self._index.ntotal} vectors but {len(self._chunks)} chunks")

    async def search(self, query: np.ndarray, k: int) -> list[ScoredChunk]:
        async with self._lock:
            if len(self._chunks) <= INLINE_SEARCH_MAX_VECTORS:
                # A small index answers faster than a hop to a worker thread and back.
                return self._search_sync(query, k)
            return await anyio.to_thread.run_sync(self._search_sync, query, k)

    def _search_sync(self, query: np.ndarray, k: int) -> list[ScoredChunk]:
        total = len(self._chunks)
        if total == 0 or k < 1:
            return []
        wanted = min(total, k + self._dead)
        row = np.ascontiguousarray(query.reshape(1, self.dim), dtype=np.float32)
        if self._kind == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, wanted))  # type: ignore[attr-defined]
            scores, slots = self._index.search(row, wanted, params=params)
        else:
            scores, slots = self._index.search(row, wanted)
        hits: list[ScoredChunk] = []
        for score, slot in zip(scores[0], slots[0], strict=True):
            chunk = self._chunks[slot] if slot >= 0 else None
            if chunk is not None:
                hits.append(ScoredChunk(chunk, float(score)))
                if len(hits) == k:
                    break
        return hits

    # -- writing -------------------------------------------------------------------------------------
    async def replace_documents(self, chunks: Sequence[StoredChunk], vectors: np.ndarray) -> int:
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        if len(vectors) and vectors.shape[1] != self.dim:
            raise ValueError(f"vectors have {vectors.shape[1]} dimensions, index has {self.dim}")
        async with self._lock:
            return await anyio.to_thread.run_sync(self._replace_sync, chunks, vectors)

    def _replace_sync(self, chunks: Sequence[StoredChunk], vectors: np.ndarray) -> int:
        documents = list(dict.fromkeys(chunk.document_id for chunk in chunks))
        replaced = 0
        for document_id in documents:
            old_slots = self._slots_by_document.pop(document_id, None)
            if old_slots is not None:
                replaced += 1
                for slot in old_slots:
                    self._chunks[slot] = None
                self._dead += len(old_slots)
        first = len(self._chunks)
        rows = np.ascontiguousarray(vectors, dtype=np.float32)
        self._matrix = np.concatenate([self._matrix, rows]) if len(rows) else self._matrix
        for offset, chunk in enumerate(chunks):
            self._chunks.append(chunk)
            self._slots_by_document.setdefault(chunk.document_id, []).append(first + offset)
        if self._dead > max(64, self.live_vectors // 4) or self._kind != self._kind_for(self.live_vectors):
            self._compact()
        elif len(rows):
            self._index.add(rows)
        return replaced

    def _kind_for(self, vectors: int) -> IndexKind:
        return "hnsw" if vectors >= self.hnsw_threshold else "flat"

    def _new_index(self, kind: IndexKind) -> Any:
        if kind == "flat":
            return faiss.IndexFlatIP(self.dim)
        index = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.ef_construction
        index.hnsw.efSearch = self.ef_search
        return index

    def _compact(self) -> None:
        """Rebuild from live rows only, as the kind their number calls for."""
        live = [slot for slot, chunk in enumerate(self._chunks) if chunk is not None]
        self._matrix = np.ascontiguousarray(self._matrix[live])
        self._chunks = [self._chunks[slot] for slot in live]
        self._slots_by_document = {}
        for slot, chunk in enumerate(self._chunks):
            assert chunk is not None
            self._slots_by_document.setdefault(chunk.document_id, []).append(slot)
        self._dead = 0
        self._kind = self._kind_for(len(self._chunks))
        self._index = self._new_index(self._kind)
        if len(self._matrix):
            self._index.add(self._matrix)


@asynccontextmanager
async def open_vector_index(settings: KnowledgeSettings, dim: int) -> AsyncIterator[VectorIndex]:
    """The backend ``settings.vector_backend`` selects, ready to use; closed on exit."""
    if settings.vector_backend == "pgvector":
        from servers.knowledge.pgvector_index import open_pgvector_index

        async with open_pgvector_index(settings, dim) as index:
            yield index
        return
    yield FaissIndex(
        dim,
        hnsw_threshold=settings.hnsw_threshold,
        hnsw_m=settings.hnsw_m,
        ef_construction=settings.hnsw_ef_construction,
        ef_search=settings.hnsw_ef_search,
    )
