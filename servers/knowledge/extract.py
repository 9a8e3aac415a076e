"""Extractive answering: choose the sentences of the retrieved chunks that best answer a question.

Nothing is generated: the answer is made only of sentences quoted from the documents, each cited.
A sentence's score blends its own similarity to the question with the score of the chunk it came
from (a sentence like "It takes three minutes." means little alone but a lot inside the right chunk).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from servers.knowledge.chunk import split_sentences
from servers.knowledge.index import ScoredChunk

SENTENCE_WEIGHT = 0.5
CONFIDENCE_STEEPNESS = 12.0
#: further sentences are added only when they score at least this fraction of the best one
COMPANION_RATIO = 0.85


@dataclass(frozen=True)
class CandidateSentence:
    """A sentence of a retrieved chunk, with where it sits (for citing and for reading order)."""

    text: str
    hit: ScoredChunk
    position: int


@dataclass(frozen=True)
class ChosenSentence:
    candidate: CandidateSentence
    score: float


def candidate_sentences(hits: Sequence[ScoredChunk]) -> list[CandidateSentence]:
    """Every distinct sentence of ``hits`` (overlapping chunks repeat sentences: keep the first)."""
    seen: set[tuple[str, str]] = set()
    candidates: list[CandidateSentence] = []
    for hit in hits:
        for position, sentence in enumerate(split_sentences(hit.chunk.text)):
            key = (hit.chunk.document_id, sentence)
            if key not in seen:
                seen.add(key)
                candidates.append(CandidateSentence(sentence, hit, position))
    return candidates


def choose_sentences(
    candidates: Sequence[CandidateSentence],
    sentence_scores: np.ndarray,
    max_sentences: int,
) -> list[ChosenSentence]:
    """The best sentence plus close runners-up from the same document, in document order."""
    if not candidates:
        return []
    blended = [
        SENTENCE_WEIGHT * float(s) + (1 - SENTENCE_WEIGHT) * c.hit.score
        for c, s in zip(candidates, sentence_scores, strict=True)
    ]
    ranked = sorted(range(len(candidates)), key=lambda i: blended[i], reverse=True)
    best = ranked[0]
    chosen = [best]
    best_document = candidates[best].hit.chunk.document_id
    for i in ranked[1:]:
        if len(chosen) >= max_sentences:
            break
        same_document = candidates[i].hit.chunk.document_id == best_document
        if same_document and blended[i] >= COMPANION_RATIO * blended[best]:
            chosen.append(i)
    chosen.sort(key=lambda i: (candidates[i].hit.chunk.ordinal, candidates[i].position))
    return [ChosenSentence(candidates[i], blended[i]) for i in chosen]


def confidence_of(best_score: float, threshold: float) -> float:
    """0.5 at the threshold, approaching 1 as the best score clears it (logistic in the margin)."""
    return 1.0 / (1.0 + math.exp(-CONFIDENCE_STEEPNESS * (best_score - threshold)))
