"""Chunking: sentences stay whole, chunks respect the budget, overlap carries context, ids are stable."""

from __future__ import annotations

import itertools

from servers.knowledge.chunk import chunk_text, split_sentences


def test_sentences_split_on_terminal_punctuation_but_not_on_abbreviations() -> None:
    text = (
        "Retries use jitter, e.g. full jitter. Breakers open after 5 failures! Why? Because of vs. timeouts."
    )
    assert split_sentences(text) == [
        "Retries use jitter, e.g. full jitter.",
        "Breakers open after 5 failures!",
        "Why?",
        "Because of vs. timeouts.",
    ]


def test_paragraph_breaks_end_sentences_and_whitespace_is_normalised() -> None:
    text = "Heading without a full stop\n\n  First   line\nwraps here.  Second."
    assert split_sentences(text) == ["Heading without a full stop", "First line wraps here.", "Second."]


def test_decimal_numbers_and_versions_do_not_split() -> None:
    assert split_sentences("We target 99.9 percent. Use v2.3.0 now.") == [
        "We target 99.9 percent.",
        "Use v2.3.0 now.",
    ]


def test_chunks_respect_the_budget_and_keep_sentences_whole() -> None:
    sentences = [f"Sentence number {i} talks about topic {i % 7}." for i in range(40)]
    chunks = chunk_text("doc", " ".join(sentences), max_chars=200, overlap_sentences=0)
    assert all(len(c.text) <= 200 for c in chunks)
    rebuilt = " ".join(c.text for c in chunks)
    assert rebuilt == " ".join(sentences)  # no overlap: every sentence exactly once, in order


def test_consecutive_chunks_share_the_overlap_sentence() -> None:
    sentences = [f"Fact {i} is here." for i in range(30)]
    chunks = chunk_text("doc", " ".join(sentences), max_chars=80, overlap_sentences=1)
    assert len(chunks) > 2
    for previous, current in itertools.pairwise(chunks):
        assert split_sentences(current.text)[0] == split_sentences(previous.text)[-1]
    covered = {s for c in chunks for s in split_sentences(c.text)}
    assert covered == set(sentences)


def test_an_over_long_sentence_is_cut_at_word_boundaries() -> None:
    sentence = " ".join(["word"] * 100) + "."
    chunks = chunk_text("doc", sentence, max_chars=50, overlap_sentences=1)
    assert all(len(c.text) <= 50 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == sentence.split()


def test_a_single_giant_token_is_cut_hard() -> None:
    chunks = chunk_text("doc", "x" * 1_000, max_chars=300)
    assert [len(c.text) for c in chunks] == [300, 300, 300, 100]


def test_chunk_ids_are_document_id_and_ordinal() -> None:
    chunks = chunk_text("runbook-7", "One. Two. Three.", max_chars=6, overlap_sentences=0)
    assert [c.chunk_id for c in chunks] == ["runbook-7#0", "runbook-7#1", "runbook-7#2"]
    assert chunk_text("runbook-7", "One. Two. Three.", max_chars=6, overlap_sentences=0) == chunks


def test_blank_text_gives_no_chunks() -> None:
    assert chunk_text("doc", " \n\n \t ") == []
