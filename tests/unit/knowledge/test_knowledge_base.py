"""KnowledgeBase: ingest/replace counts, search, cited answers, declining, input rules that change nothing."""

from __future__ import annotations

import anyio
import pytest

from servers.knowledge.corpus import load_handbook, load_questions
from servers.knowledge.errors import InvalidKnowledgeInput
from servers.knowledge.knowledge_base import KnowledgeBase
from servers.knowledge.models import DocumentIn

pytestmark = pytest.mark.anyio

BREAKER = DocumentIn(
    id="breaker",
    title="Circuit breakers",
    text="The breaker opens after five consecutive failures. After thirty seconds it lets one call through.",
    metadata={"team": "platform"},
)
BACKUPS = DocumentIn(
    id="backups",
    title="Backups",
    text="Ledger snapshots are taken every six hours. Restores need two engineers.",
)


async def test_ingest_reports_counts_and_totals(knowledge_base: KnowledgeBase) -> None:
    result = await knowledge_base.ingest([BREAKER, BACKUPS])
    assert (result.documents, result.chunks, result.replaced_documents) == (2, 2, 0)
    assert (result.total_documents, result.total_chunks) == (2, 2)


async def test_reingesting_an_id_replaces_its_chunks(knowledge_base: KnowledgeBase) -> None:
    await knowledge_base.ingest([BREAKER, BACKUPS])
    updated = DocumentIn(id="breaker", text="Breakers now open after three failures in a row.")
    result = await knowledge_base.ingest([updated])
    assert result.replaced_documents == 1
    assert (result.total_documents, result.total_chunks) == (2, 2)
    hits = (await knowledge_base.search("how many failures open the breaker", k=5)).hits
    breaker_texts = [h.text for h in hits if h.document_id == "breaker"]
    assert breaker_texts == [updated.text]  # the old wording is gone


async def test_search_returns_scored_hits_with_source_ids(knowledge_base: KnowledgeBase) -> None:
    await knowledge_base.ingest([BREAKER, BACKUPS])
    result = await knowledge_base.search("when does the breaker open", k=1)
    assert len(result.hits) == 1
    hit = result.hits[0]
    assert (hit.document_id, hit.chunk_id, hit.title) == ("breaker", "breaker#0", "Circuit breakers")
    assert hit.metadata == {"team": "platform"}
    assert 0 < hit.score <= 1


async def test_answer_quotes_the_right_sentence_with_a_citation(knowledge_base: KnowledgeBase) -> None:
    await knowledge_base.ingest(load_handbook())
    result = await knowledge_base.answer("How long do we keep logs before deleting them?")
    assert result.answered
    assert "fourteen days" in result.answer
    assert result.citations[0].document_id == "observability-logging"
    assert result.citations[0].sentence in result.answer
    assert 0.5 <= result.confidence <= 1


async def test_answer_declines_off_topic_questions_instead_of_inventing(
    knowledge_base: KnowledgeBase,
) -> None:
    await knowledge_base.ingest(load_handbook())
    for question in ("What is a good recipe for banana bread?", "How many moons does Jupiter have?"):
        result = await knowledge_base.answer(question)
        assert not result.answered, result.answer
        assert result.citations == []
        assert "No relevant passage" in result.answer
        assert result.best_score is not None and result.best_score < result.threshold


async def test_answer_on_an_empty_index_says_it_is_empty(knowledge_base: KnowledgeBase) -> None:
    result = await knowledge_base.answer("anything at all?")
    assert not result.answered
    assert "empty" in result.answer
    assert result.best_score is None


async def test_most_unanswerable_questions_are_declined(knowledge_base: KnowledgeBase) -> None:
    await knowledge_base.ingest(load_handbook())
    unanswerable = load_questions(answerable=False)
    declined = [not (await knowledge_base.answer(q.question)).answered for q in unanswerable]
    assert sum(declined) >= len(unanswerable) - 1


@pytest.mark.parametrize(
    ("documents", "message"),
    [
        ([], "no documents"),
        ([DocumentIn(id="a", text="   ")], "text is empty"),
        ([DocumentIn(id="  ", text="x")], "id is blank"),
        ([DocumentIn(id="a", text="x"), DocumentIn(id="a", text="y")], "appears twice"),
        ([DocumentIn(id=f"d{i}", text="x") for i in range(501)], "501 documents"),
    ],
)
async def test_bad_documents_are_refused_and_the_index_is_unchanged(
    knowledge_base: KnowledgeBase, documents: list[DocumentIn], message: str
) -> None:
    await knowledge_base.ingest([BREAKER])
    before = await knowledge_base.stats()
    with pytest.raises(InvalidKnowledgeInput, match=message):
        await knowledge_base.ingest(documents)
    assert await knowledge_base.stats() == before


async def test_a_document_over_the_configured_size_is_refused(knowledge_base: KnowledgeBase) -> None:
    knowledge_base.settings.max_document_chars = 1_000
    with pytest.raises(InvalidKnowledgeInput, match="1001 characters; the limit is 1000"):
        await knowledge_base.ingest([BREAKER, DocumentIn(id="big", text="a" * 1_001)])
    assert (await knowledge_base.stats()).documents == 0  # the valid one was not written either


async def test_one_call_may_not_carry_more_text_than_the_call_limit(knowledge_base: KnowledgeBase) -> None:
    knowledge_base.settings.max_call_chars = 10_000
    documents = [DocumentIn(id=f"d{i}", text="word " * 1_000) for i in range(3)]
    with pytest.raises(
        InvalidKnowledgeInput, match="15000 characters of text in one call; the limit is 10000"
    ):
        await knowledge_base.ingest(documents)
    assert (await knowledge_base.stats()).documents == 0


async def test_concurrent_searches_during_replacements_see_one_version_at_a_time(
    knowledge_base: KnowledgeBase,
) -> None:
    await knowledge_base.ingest(load_handbook())
    seen_versions: list[int] = []

    async def replace_repeatedly() -> None:
        for version in range(30):
            text = f"Version {version} of the deploy notes. Deploys need approval during a freeze."
            await knowledge_base.ingest([DocumentIn(id="deploy-notes", text=text)])

    async def search_repeatedly() -> None:
        for _ in range(60):
            hits = (await knowledge_base.search("deploy notes approval freeze", k=10)).hits
            notes = [h for h in hits if h.document_id == "deploy-notes"]
            assert len(notes) <= 1  # never an old and a new version side by side
            seen_versions.extend(int(h.text.split()[1]) for h in notes)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(replace_repeatedly)
            tg.start_soon(search_repeatedly)
            tg.start_soon(search_repeatedly)
    assert (await knowledge_base.stats()).documents == 45
    assert seen_versions, "searches never saw the document"


@pytest.mark.parametrize(
    ("query", "k", "message"),
    [
        ("", 5, "empty"),
        ("  ", 5, "empty"),
        ("x", 0, "k=0"),
        ("x", 51, "1..50"),
        ("x" * 2_001, 5, "limit is 2000"),
    ],
)
async def test_bad_search_arguments_are_refused(
    knowledge_base: KnowledgeBase, query: str, k: int, message: str
) -> None:
    with pytest.raises(InvalidKnowledgeInput, match=message):
        await knowledge_base.search(query, k)


async def test_an_empty_question_is_refused(knowledge_base: KnowledgeBase) -> None:
    with pytest.raises(InvalidKnowledgeInput, match="question is empty"):
        await knowledge_base.answer(" \n")


async def test_large_documents_are_chunked_and_fully_searchable(knowledge_base: KnowledgeBase) -> None:
    paragraphs = [f"Runbook step {i}: restart replica {i} after draining its traffic." for i in range(2_000)]
    text = " ".join(paragraphs)
    assert len(text) < 200_000
    result = await knowledge_base.ingest([DocumentIn(id="big-runbook", text=text)])
    assert result.chunks > 100
    hits = (await knowledge_base.search("restart replica 1234 after draining", k=3)).hits
    assert any("replica 1234 " in h.text for h in hits)
