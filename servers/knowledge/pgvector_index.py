"""PostgreSQL + pgvector as the vector store (``vector_backend: pgvector``), via psycopg 3 async.

Chunks and their vectors live in one table; search orders by pgvector's negative inner product
(``<#>``), served by an HNSW index. Opening checks everything a first request would need — the
driver, the server, the extension, the table's dimension — so a bad URL or a server without pgvector
fails the start with one clear :class:`~servers.knowledge.errors.VectorBackendUnavailable`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import anyio
import numpy as np

from servers.knowledge.errors import VectorBackendUnavailable
from servers.knowledge.index import ScoredChunk, StoredChunk, VectorIndex
from servers.knowledge.models import IndexStats
from servers.knowledge.settings import KnowledgeSettings

PSYCOPG_INSTALL_HINT = "pip install 'psycopg[binary]>=3.2'"


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in vector) + "]"


class PgVectorIndex(VectorIndex):
    """Chunks in table ``table``; one connection, one statement at a time."""

    backend = "pgvector"

    def __init__(self, connection: Any, table: str, dim: int) -> None:
        self._connection = connection
        self._table = table  # validated by the settings pattern: safe to interpolate
        self.dim = dim
        self._lock = anyio.Lock()

    async def prepare(self) -> None:
        """Create the extension, table and indexes if missing; check the stored dimension matches."""
        t = self._table
        async with self._lock, self._connection.transaction():
            await self._connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
            await self._connection.execute(
                f"CREATE TABLE IF NOT EXISTS {t} (chunk_id text PRIMARY KEY, document_id text NOT NULL,"
                f" ordinal integer NOT NULL, title text, body text NOT NULL, metadata jsonb,"
                f" embedding vector({self.dim}) NOT NULL)"
            )
            await self._connection.execute(f"CREATE INDEX IF NOT EXISTS {t}_document ON {t} (document_id)")
            await self._connection.execute(
                f"CREATE INDEX IF NOT EXISTS {t}_embedding ON {t} USING hnsw (embedding vector_ip_ops)"
            )
            cursor = await self._connection.execute(
                "SELECT atttypmod FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'embedding'",
                (t,),
            )
            row = await cursor.fetchone()
        if row is not None and row[0] not in (-1, self.dim):
            raise VectorBackendUnavailable(
                f"table {t} stores {row[0]}-dimensional vectors but the embedder makes {self.dim}; "
                "use another pgvector_table or the matching embedder"
            )

    async def replace_documents(self, chunks: Sequence[StoredChunk], vectors: np.ndarray) -> int:
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        documents = list(dict.fromkeys(chunk.document_id for chunk in chunks))
        t = self._table
        rows = [
            (c.chunk_id, c.document_id, c.ordinal, c.title, c.text, json.dumps(c.metadata), vector_literal(v))
            for c, v in zip(chunks, vectors, strict=True)
        ]
        async with self._lock, self._connection.transaction():
            cursor = await self._connection.execute(
                f"SELECT count(DISTINCT document_id) FROM {t} WHERE document_id = ANY(%s)", (documents,)
            )
            existing = await cursor.fetchone()
            await self._connection.execute(f"DELETE FROM {t} WHERE document_id = ANY(%s)", (documents,))
            async with self._connection.cursor() as writer:
                await writer.executemany(
                    f"INSERT INTO {t} (chunk_id, document_id, ordinal, title, body, metadata, embedding)"
                    " VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s::vector)",
                    rows,
                )
        return int(existing[0]) if existing else 0

    async def search(self, query: np.ndarray, k: int) -> list[ScoredChunk]:
        literal = vector_literal(query)
        async with self._lock:
            cursor = await self._connection.execute(
                f"SELECT chunk_id, document_id, ordinal, title, body, metadata, -(embedding <#> %s::vector)"
                f" FROM {self._table} ORDER BY embedding <#> %s::vector LIMIT %s",
                (literal, literal, k),
            )
            rows = await cursor.fetchall()
        return [
            ScoredChunk(StoredChunk(r[0], r[1], r[2], r[3], r[4], r[5]), float(r[6]))
            for r in rows  # metadata arrives decoded from jsonb
        ]

    async def stats(self) -> IndexStats:
        async with self._lock:
            cursor = await self._connection.execute(
                f"SELECT count(DISTINCT document_id), count(*) FROM {self._table}"
            )
            row = await cursor.fetchone()
        documents, vectors = (int(row[0]), int(row[1])) if row else (0, 0)
        return IndexStats(
            backend=self.backend,
            index_kind=f"table {self._table}",
            documents=documents,
            vectors=vectors,
            dim=self.dim,
        )

    async def ping(self) -> None:
        async with self._lock:
            await self._connection.execute("SELECT 1")


@asynccontextmanager
async def open_pgvector_index(settings: KnowledgeSettings, dim: int) -> AsyncIterator[PgVectorIndex]:
    """Connect, prepare the table, yield the index; every start-up failure is one clear error."""
    try:
        import psycopg
    except ImportError as exc:
        raise VectorBackendUnavailable(
            f"vector_backend=pgvector needs the psycopg driver; install it with: {PSYCOPG_INSTALL_HINT}"
        ) from exc
    url = settings.pgvector_url or ""
    where = redact_url(url)
    timeout_s = settings.pgvector_connect_timeout_s
    try:
        with anyio.fail_after(timeout_s + 1):
            connection = await psycopg.AsyncConnection.connect(
                url, connect_timeout=max(1, int(timeout_s)), autocommit=True
            )
    except TimeoutError as exc:
        raise VectorBackendUnavailable(f"pgvector at {where}: no connection within {timeout_s:g} s") from exc
    except (psycopg.Error, ValueError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise VectorBackendUnavailable(f"pgvector at {where} is unreachable: {message}") from exc
    try:
        index = PgVectorIndex(connection, settings.pgvector_table, dim)
        try:
            with anyio.fail_after(timeout_s * 2):
                await index.prepare()
        except psycopg.Error as exc:
            raise VectorBackendUnavailable(
                f"pgvector at {where} cannot be prepared (is the pgvector extension installed?): {exc}"
            ) from exc
        except TimeoutError as exc:
            raise VectorBackendUnavailable(
                f"pgvector at {where}: setup took over {timeout_s * 2:g} s"
            ) from exc
        yield index
    finally:
        await connection.close()
