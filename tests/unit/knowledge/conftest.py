"""Fixtures for the knowledge unit tests: settings and a knowledge base over the default embedder."""

from __future__ import annotations

import pytest

from servers.knowledge.embed import HashingEmbedder
from servers.knowledge.index import FaissIndex
from servers.knowledge.knowledge_base import KnowledgeBase
from servers.knowledge.settings import KnowledgeSettings


@pytest.fixture
def knowledge_settings() -> KnowledgeSettings:
    return KnowledgeSettings(preload_corpus=False)


@pytest.fixture
def knowledge_base(knowledge_settings: KnowledgeSettings) -> KnowledgeBase:
    """An empty knowledge base: hashing embedder, in-memory FAISS."""
    embedder = HashingEmbedder(dim=knowledge_settings.embedding_dim)
    return KnowledgeBase(embedder, FaissIndex(embedder.dim), knowledge_settings)
