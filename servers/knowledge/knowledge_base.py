"""The knowledge base: ingest, search and answer over an embedder and a vector index.

This is the server's logic without MCP: the tools in :mod:`servers.knowledge.server` only translate.
Every input rule is checked here, before anything changes, and broken rules raise
:class:`~servers.knowledge.errors.InvalidKnowledgeInput` — so a rejected call leaves the index as it was.
"""

from __future__ import annotations

from collections.abc import Sequence

import anyio.to_thread
import numpy as np

from servers.knowledge.chunk import Chunk, chunk_text
from servers.knowledge.embed import Embedder
from servers.knowledge.errors import InvalidKnowledgeInput
from servers.knowledge.extract import candidate_sentences, choose_sentences, confidence_of
from servers.knowledge.index import ScoredChunk, StoredChunk, VectorIndex
from servers.knowledge.models import (
    AnswerResult,
    Citation,
    DocumentIn,
    EmbedderInfo,
    IndexStats,
    IngestResult,
    SearchHit,
    SearchResult,
)
from servers.knowledge.settings import KnowledgeSettings


def embedding_text(title: str | None, text: str) -> str:
    """What gets embedded for a chunk: its document's title gives short chunks their topic."""
    return f"{title}. {text}" if title else text


class KnowledgeBase:
    """Documents in, cited passages out."""

    def __init__(self, embedder: Embedder, index: VectorIndex, settings: KnowledgeSettings) -> None:
        self.embedder = embedder
        self.index = index
        self.settings = settings

    @property
    def answer_threshold(self) -> float:
        configured = self.settings.answer_min_score
        return self.embedder.default_answer_threshold if configured is None else configured

    # -- validation ----------------------------------------------------------------------------------
    def _check_documents(self, documents: Sequence[DocumentIn]) -> None:
        limit = self.settings.max_documents_per_call
        if not documents:
            raise InvalidKnowledgeInput("no documents given: pass at least one {id, text}")
        if len(documents) > limit:
            raise InvalidKnowledgeInput(f"{len(documents)} documents in one call; the limit is {limit}")
        total = sum(len(document.text) for document in documents)
        if total > self.settings.max_call_chars:
            raise InvalidKnowledgeInput(
                f"{total} characters of text in one call; the limit is {self.settings.max_call_chars}: "
                "split the documents over several calls"
            )
        seen: set[str] = set()
        for position, document in enumerate(documents):
            label = f"document {position} (id {document.id!r})"
            if not document.id.strip():
                raise InvalidKnowledgeInput(f"document {position}: id is blank")
            if document.id in seen:
                raise InvalidKnowledgeInput(f"{label}: id appears twice in this call")
            seen.add(document.id)
            if not document.text.strip():
                raise InvalidKnowledgeInput(f"{label}: text is empty")
            if len(document.text) > self.settings.max_document_chars:
                raise InvalidKnowledgeInput(
                    f"{label}: text has {len(document.text)} characters; "
                    f"the limit is {self.settings.max_document_chars}"
                )

    def _check_query(self, query: str, what: str) -> str:
        stripped = query.strip()
        if not stripped:
            raise InvalidKnowledgeInput(f"{what} is empty")
        if len(stripped) > self.settings.max_query_chars:
            raise InvalidKnowledgeInput(
                f"{what} has {len(stripped)} characters; the limit is {self.settings.max_query_chars}"
            )
        return stripped

    # -- operations ----------------------------------------------------------------------------------
    def _chunk_all(self, documents: Sequence[DocumentIn]) -> list[tuple[DocumentIn, Chunk]]:
        s = self.settings
        return [
            (document, chunk)
            for document in documents
            for chunk in chunk_text(document.id, document.text, s.chunk_max_chars, s.chunk_overlap_sentences)
        ]

    async def ingest(self, documents: Sequence[DocumentIn]) -> IngestResult:
        """Chunk, embed and store ``documents``; an id already present has all its chunks replaced."""
        self._check_documents(documents)
        pairs = await anyio.to_thread.run_sync(self._chunk_all, documents)
        vectors = await self.embedder.embed([embedding_text(d.title, c.text) for d, c in pairs])
        stored = [
            StoredChunk(c.chunk_id, d.id, c.ordinal, d.title, c.text, dict(d.metadata or {}) or None)
            for d, c in pairs
        ]
        replaced = await self.index.replace_documents(stored, vectors)
        stats = await self.index.stats()
        return IngestResult(
            documents=len(documents),
            chunks=len(stored),
            replaced_documents=replaced,
            total_documents=stats.documents,
            total_chunks=stats.vectors,
        )

    async def _retrieve(self, query: str, k: int) -> tuple[np.ndarray, list[ScoredChunk]]:
        vector = (await self.embedder.embed([query]))[0]
        return vector, await self.index.search(vector, k)

    async def search(self, query: str, k: int = 5) -> SearchResult:
        """The ``k`` chunks closest to ``query``, best first, with scores and source ids."""
        query = self._check_query(query, "query")
        if not 1 <= k <= self.settings.max_k:
            raise InvalidKnowledgeInput(f"k={k} is out of range; choose 1..{self.settings.max_k}")
        _, hits = await self._retrieve(query, k)
        return SearchResult(
            query=query,
            k=k,
            hits=[
                SearchHit(
                    chunk_id=h.chunk.chunk_id,
                    document_id=h.chunk.document_id,
                    title=h.chunk.title,
                    text=h.chunk.text,
                    score=round(h.score, 6),
                    metadata=h.chunk.metadata,
                )
                for h in hits
            ],
        )

    async def answer(self, question: str) -> AnswerResult:
        """Quote the best sentence(s) of the closest chunks, cited; decline when nothing is close enough."""
        question = self._check_query(question, "question")
        threshold = self.answer_threshold
        query_vector, hits = await self._retrieve(question, self.settings.answer_top_chunks)
        best_score = hits[0].score if hits else None
        if best_score is None or best_score < threshold:
            seen = "the index is empty" if best_score is None else f"the best match scored {best_score:.3f}"
            return AnswerResult(
                question=question,
                answered=False,
                answer=f"No relevant passage found: {seen}, below the {threshold:.3f} needed to answer.",
                confidence=0.0 if best_score is None else round(confidence_of(best_score, threshold), 4),
                citations=[],
                threshold=threshold,
                best_score=None if best_score is None else round(best_score, 6),
            )
        relevant = [h for h in hits if h.score >= threshold]
        candidates = candidate_sentences(relevant)
        sentence_vectors = await self.embedder.embed([c.text for c in candidates])
        sentence_scores = sentence_vectors @ query_vector
        chosen = choose_sentences(candidates, sentence_scores, self.settings.answer_max_sentences)
        best_blended = max(c.score for c in chosen)
        return AnswerResult(
            question=question,
            answered=True,
            answer=" ".join(c.candidate.text for c in chosen),
            confidence=round(confidence_of(best_blended, threshold), 4),
            citations=[
                Citation(
                    document_id=c.candidate.hit.chunk.document_id,
                    chunk_id=c.candidate.hit.chunk.chunk_id,
                    title=c.candidate.hit.chunk.title,
                    sentence=c.candidate.text,
                    score=round(c.score, 6),
                )
                for c in chosen
            ],
            threshold=threshold,
            best_score=round(best_score, 6),
        )

    async def stats(self) -> IndexStats:
        return await self.index.stats()

    def embedder_info(self) -> EmbedderInfo:
        return EmbedderInfo(name=self.embedder.name, dim=self.embedder.dim)
