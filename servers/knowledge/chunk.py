"""Chunking: split a document into sentences, then pack sentences into overlapping chunks.

Chunks are what gets embedded and retrieved; sentences are what ``answer`` quotes. Packing whole
sentences (never cutting one unless it alone exceeds the budget) keeps each chunk readable and each
quoted answer a complete sentence. A chunk's id is ``<document id>#<ordinal>``, stable across runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "no", "fig", "approx", "cf"})
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Chunk:
    """A run of consecutive sentences of one document."""

    document_id: str
    ordinal: int
    text: str

    @property
    def chunk_id(self) -> str:
        return chunk_id_of(self.document_id, self.ordinal)


def chunk_id_of(document_id: str, ordinal: int) -> str:
    return f"{document_id}#{ordinal}"


def _ends_with_abbreviation(piece: str) -> bool:
    last_word = piece.rsplit(" ", 1)[-1].rstrip(".").lower()
    return last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha())


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, whitespace-normalised; paragraphs always end a sentence."""
    sentences: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        flat = _WHITESPACE.sub(" ", paragraph).strip()
        if not flat:
            continue
        pending = ""
        start = 0
        for match in _SENTENCE_END.finditer(flat):
            piece = flat[start : match.start()].strip()
            start = match.end()
            pending = f"{pending} {piece}".strip() if pending else piece
            if not _ends_with_abbreviation(pending):
                sentences.append(pending)
                pending = ""
        tail = flat[start:].strip()
        pending = f"{pending} {tail}".strip() if pending else tail
        if pending:
            sentences.append(pending)
    return sentences


def _split_long(sentence: str, max_chars: int) -> Iterator[str]:
    """Cut an over-long sentence at word boundaries (or hard, for a word longer than the budget)."""
    current = ""
    for word in sentence.split(" "):
        while len(word) > max_chars:
            if current:
                yield current
                current = ""
            yield word[:max_chars]
            word = word[max_chars:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) > max_chars:
            yield current
            current = word
        else:
            current = candidate
    if current:
        yield current


def chunk_text(document_id: str, text: str, max_chars: int = 700, overlap_sentences: int = 1) -> list[Chunk]:
    """Pack the sentences of ``text`` into chunks of at most ``max_chars`` characters.

    Consecutive chunks share up to ``overlap_sentences`` sentences so an answer spanning a boundary is
    still found whole in one chunk.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    pieces = [p for s in split_sentences(text) for p in _split_long(s, max_chars)]
    chunks: list[Chunk] = []
    window: list[str] = []
    fresh = 0  # sentences in ``window`` not yet emitted in an earlier chunk

    def emit() -> None:
        chunks.append(Chunk(document_id, len(chunks), " ".join(window)))

    for piece in pieces:
        if window and len(" ".join([*window, piece])) > max_chars:
            emit()
            overlapping = overlap_sentences and len(window) > overlap_sentences
            keep = window[-overlap_sentences:] if overlapping else []
            while keep and len(" ".join([*keep, piece])) > max_chars:
                keep = keep[1:]
            window, fresh = keep, 0
        window.append(piece)
        fresh += 1
    if window and fresh:
        emit()
    return chunks
