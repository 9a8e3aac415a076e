"""Settings: read from MCPH_KNOWLEDGE_* only, bounded by the hard caps, pgvector needs its URL."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from servers.knowledge.settings import KnowledgeSettings


def test_defaults_run_offline_in_memory_with_the_handbook() -> None:
    settings = KnowledgeSettings()
    assert (settings.embedder, settings.vector_backend, settings.preload_corpus) == ("hashing", "faiss", True)


def test_environment_variables_use_the_knowledge_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCPH_KNOWLEDGE_EMBEDDER", "minilm")
    monkeypatch.setenv("MCPH_KNOWLEDGE_HNSW_THRESHOLD", "500")
    monkeypatch.setenv("MCPH_KNOWLEDGE_PRELOAD_CORPUS", "false")
    monkeypatch.setenv("MCPH_WALLET_EMBEDDER", "hashing")  # another service's variable is ignored
    settings = KnowledgeSettings()
    assert (settings.embedder, settings.hnsw_threshold, settings.preload_corpus) == ("minilm", 500, False)


def test_pgvector_without_a_url_is_a_clear_settings_error() -> None:
    with pytest.raises(ValidationError, match="needs pgvector_url"):
        KnowledgeSettings(vector_backend="pgvector")


@pytest.mark.parametrize(
    "overrides",
    [{"embedder": "word2vec"}, {"max_k": 51}, {"max_document_chars": 200_001}, {"pgvector_table": "x; drop"}],
)
def test_values_outside_the_rules_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        KnowledgeSettings(**overrides)
