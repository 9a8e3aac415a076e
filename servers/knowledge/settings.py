"""Settings of the knowledge (RAG) server: embedder, vector backend, index shape, chunking, input limits.

Read from ``MCPH_KNOWLEDGE_*`` environment variables (nested with ``__``); nothing else in the
package reads the environment. Hard caps (k ≤ 50, 200k characters, 500 documents per call) bound the
settings too, so the tools' input schemas can state them and no configuration can exceed them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from servers.common.settings import ServerSettings

HARD_MAX_K = 50
HARD_MAX_DOCUMENT_CHARS = 200_000
HARD_MAX_DOCUMENTS_PER_CALL = 500
HARD_MAX_QUERY_CHARS = 4_000

EmbedderName = Literal["hashing", "minilm"]
VectorBackendName = Literal["faiss", "pgvector"]


class KnowledgeSettings(ServerSettings):
    """Everything the knowledge server can be told; defaults run fully in memory, offline."""

    model_config = SettingsConfigDict(env_prefix="MCPH_KNOWLEDGE_", env_nested_delimiter="__", extra="ignore")

    max_request_bytes: int = Field(default=4_000_000, ge=1024, description="HTTP body cap (ingest is bulky).")

    embedder: EmbedderName = Field(
        default="hashing",
        description="hashing: fast deterministic n-gram features; minilm: all-MiniLM-L6-v2 (extra).",
    )
    embedding_dim: int = Field(default=384, ge=16, le=4096, description="Dimensions of the hashing embedder.")
    embed_batch_size: int = Field(default=64, ge=1, le=1024)

    vector_backend: VectorBackendName = "faiss"
    pgvector_url: str | None = Field(default=None, description="postgresql://… of a server with pgvector.")
    pgvector_table: str = Field(default="knowledge_chunks", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    pgvector_connect_timeout_s: float = Field(default=5.0, gt=0)

    hnsw_threshold: int = Field(
        default=20_000, ge=1, description="At this many vectors the FAISS index switches from flat to HNSW."
    )
    hnsw_m: int = Field(default=32, ge=4, le=128)
    hnsw_ef_construction: int = Field(default=80, ge=8)
    hnsw_ef_search: int = Field(default=64, ge=8)

    chunk_max_chars: int = Field(default=700, ge=80, le=20_000)
    chunk_overlap_sentences: int = Field(default=1, ge=0, le=5)

    preload_corpus: bool = Field(default=True, description="Ingest the shipped handbook at start.")

    answer_min_score: float | None = Field(
        default=None,
        ge=-1.0,
        le=1.0,
        description="Best chunk score below which answer() declines; None = the embedder's calibrated value.",
    )
    answer_top_chunks: int = Field(default=4, ge=1, le=HARD_MAX_K)
    answer_max_sentences: int = Field(default=2, ge=1, le=5)

    max_k: int = Field(default=HARD_MAX_K, ge=1, le=HARD_MAX_K)
    max_document_chars: int = Field(default=HARD_MAX_DOCUMENT_CHARS, ge=1, le=HARD_MAX_DOCUMENT_CHARS)
    max_documents_per_call: int = Field(
        default=HARD_MAX_DOCUMENTS_PER_CALL, ge=1, le=HARD_MAX_DOCUMENTS_PER_CALL
    )
    max_call_chars: int = Field(
        default=5_000_000,
        ge=1,
        description="Total text characters one ingest call may carry (bounds its time).",
    )
    max_query_chars: int = Field(default=2_000, ge=1, le=HARD_MAX_QUERY_CHARS)

    @model_validator(mode="after")
    def pgvector_needs_url(self) -> KnowledgeSettings:
        if self.vector_backend == "pgvector" and not self.pgvector_url:
            raise ValueError("vector_backend=pgvector needs pgvector_url (MCPH_KNOWLEDGE_PGVECTOR_URL)")
        return self
