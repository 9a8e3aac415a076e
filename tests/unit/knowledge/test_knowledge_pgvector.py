"""PGVector backend: start-up failures are one clear error; the real round trip needs a pgvector server.

The round trip runs only when MCPH_TEST_PGVECTOR_URL points at a PostgreSQL with the pgvector
extension (none can run on the CI machines); otherwise it is skipped with that reason.
"""

from __future__ import annotations

import os
import socket
import sys
from importlib.util import find_spec

import anyio
import numpy as np
import pytest

from servers.knowledge.errors import VectorBackendUnavailable
from servers.knowledge.index import StoredChunk, open_vector_index
from servers.knowledge.pgvector_index import PSYCOPG_INSTALL_HINT, redact_url, vector_literal
from servers.knowledge.server import KNOWLEDGE
from servers.knowledge.settings import KnowledgeSettings

pytestmark = pytest.mark.anyio
REAL_URL = os.environ.get("MCPH_TEST_PGVECTOR_URL")
HAS_PSYCOPG = find_spec("psycopg") is not None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_settings(url: str, **overrides: object) -> KnowledgeSettings:
    return KnowledgeSettings(vector_backend="pgvector", pgvector_url=url, preload_corpus=False, **overrides)


@pytest.mark.skipif(not HAS_PSYCOPG, reason=f"psycopg not installed: {PSYCOPG_INSTALL_HINT}")
async def test_an_unreachable_url_fails_the_start_clearly_and_hides_the_password() -> None:
    url = f"postgresql://app:s3cret@127.0.0.1:{closed_port()}/knowledge"
    with anyio.fail_after(15), pytest.raises(VectorBackendUnavailable, match="unreachable") as caught:
        async with KNOWLEDGE.open(pg_settings(url, pgvector_connect_timeout_s=2)):
            pass
    assert "s3cret" not in str(caught.value)
    assert "app:***@127.0.0.1" in str(caught.value)


async def test_a_missing_driver_names_the_package_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(VectorBackendUnavailable, match=r"psycopg\[binary\]"):
        async with open_vector_index(pg_settings("postgresql://localhost/x"), 384):
            pass


def test_vectors_are_sent_as_pgvector_literals_and_urls_are_redacted() -> None:
    assert vector_literal(np.array([0.5, -0.25, 1e-9], dtype=np.float32)) == "[0.5,-0.25,1e-09]"
    assert redact_url("postgresql://u:p@h:5432/d") == "postgresql://u:***@h:5432/d"
    assert redact_url("postgresql://h/d") == "postgresql://h/d"


@pytest.mark.skipif(
    REAL_URL is None, reason="no PostgreSQL with pgvector here: set MCPH_TEST_PGVECTOR_URL to run"
)
async def test_round_trip_against_a_real_pgvector_server() -> None:
    assert REAL_URL is not None
    settings = pg_settings(REAL_URL, pgvector_table="knowledge_test_chunks")
    unit = np.eye(4, 8, dtype=np.float32)
    chunks = [StoredChunk(f"doc#{i}", "doc", i, "T", f"text {i}", {"i": i}) for i in range(4)]
    with anyio.fail_after(30):
        async with open_vector_index(settings, 8) as index:
            await index.replace_documents(chunks, unit)
            assert await index.replace_documents(chunks[:2], unit[:2]) == 1
            hits = await index.search(unit[1], k=3)
            stats = await index.stats()
    assert hits[0].chunk.chunk_id == "doc#1" and hits[0].score == pytest.approx(1.0)
    assert hits[0].chunk.metadata == {"i": 1}
    assert (stats.documents, stats.vectors) == (1, 2)
