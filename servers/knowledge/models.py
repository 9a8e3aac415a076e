"""The knowledge tools' input and output shapes (pydantic, so they become the tools' JSON schemas)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from servers.knowledge.settings import HARD_MAX_DOCUMENT_CHARS

MetadataValue = str | int | float | bool | None


class DocumentIn(BaseModel):
    """One document to ingest; re-ingesting an ``id`` replaces every chunk it had."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f]+$", description="Stable id.")
    text: str = Field(min_length=1, max_length=HARD_MAX_DOCUMENT_CHARS, description="Plain text.")
    title: str | None = Field(default=None, max_length=512)
    metadata: dict[str, MetadataValue] | None = Field(default=None, description="Flat key → scalar map.")


class IngestResult(BaseModel):
    documents: int = Field(description="Documents ingested by this call.")
    chunks: int = Field(description="Chunks (vectors) written by this call.")
    replaced_documents: int = Field(description="How many of them existed before and were replaced.")
    total_documents: int
    total_chunks: int


class SearchHit(BaseModel):
    chunk_id: str
    document_id: str
    title: str | None
    text: str
    score: float = Field(description="Cosine similarity between the query and the chunk (higher is closer).")
    metadata: dict[str, MetadataValue] | None = None


class SearchResult(BaseModel):
    query: str
    k: int
    hits: list[SearchHit]


class Citation(BaseModel):
    document_id: str
    chunk_id: str
    title: str | None
    sentence: str
    score: float


class AnswerResult(BaseModel):
    question: str
    answered: bool = Field(description="False when nothing relevant scored above the threshold.")
    answer: str = Field(description="Sentences quoted from the documents, or a statement that none fit.")
    confidence: float = Field(ge=0.0, le=1.0)
    citations: list[Citation]
    threshold: float = Field(description="Best-chunk score needed to answer.")
    best_score: float | None = Field(description="Best chunk score seen (None when the index is empty).")


class IndexStats(BaseModel):
    backend: str = Field(description="faiss or pgvector.")
    index_kind: str = Field(description="flat or hnsw for FAISS; the pgvector table otherwise.")
    documents: int
    vectors: int
    dim: int


class EmbedderInfo(BaseModel):
    name: str
    dim: int
