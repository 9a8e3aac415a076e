"""The shipped corpus: a platform handbook and questions labelled with the document that answers each.

Both are original text written for this project, stored as JSON lines next to this module. The
questions paraphrase the documents rather than quote them, so recall measured on them says something
about the embedder; a few are deliberately unanswerable, to check that ``answer`` declines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from servers.knowledge.models import DocumentIn

CORPUS_PACKAGE = "servers.knowledge"
HANDBOOK_FILE = "corpus/handbook.jsonl"
QUESTIONS_FILE = "corpus/questions.jsonl"


@dataclass(frozen=True)
class LabelledQuestion:
    """A question and the id of the document that answers it (None: nothing in the corpus does)."""

    question: str
    document_id: str | None


def _read_jsonl(name: str) -> list[dict[str, object]]:
    text = resources.files(CORPUS_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_handbook() -> list[DocumentIn]:
    """The shipped handbook documents, validated like any ingested document."""
    return [DocumentIn.model_validate(row) for row in _read_jsonl(HANDBOOK_FILE)]


def load_questions(answerable: bool | None = None) -> list[LabelledQuestion]:
    """The labelled questions; ``answerable`` filters to those with (True) or without (False) an answer."""
    questions = [
        LabelledQuestion(str(row["question"]), str(row["document_id"]) if row["document_id"] else None)
        for row in _read_jsonl(QUESTIONS_FILE)
    ]
    if answerable is None:
        return questions
    return [q for q in questions if (q.document_id is not None) == answerable]
