"""The knowledge (RAG) MCP server: ``ingest``, ``search``, ``answer`` and ``health`` over a KnowledgeBase.

The tools only translate: arguments are validated by their schemas and by the
:class:`~servers.knowledge.knowledge_base.KnowledgeBase`, and every expected failure — a broken input
rule, a vector store gone away — is mapped here, once, to an ``isError`` result that says what was wrong.
Start-up loads the selected embedder, opens the vector backend and (by default) ingests the shipped
handbook; a missing extra or an unreachable database fails the start with one clear message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from servers.common.errors import BackendError
from servers.common.health import BackendCheck, HealthReport, check_health
from servers.common.runner import ServerSpec
from servers.common.strict_server import ReferenceMCPServer
from servers.knowledge.corpus import load_handbook
from servers.knowledge.embed import Embedder, load_embedder
from servers.knowledge.errors import InvalidKnowledgeInput
from servers.knowledge.index import VectorIndex, open_vector_index
from servers.knowledge.knowledge_base import KnowledgeBase
from servers.knowledge.models import (
    AnswerResult,
    DocumentIn,
    EmbedderInfo,
    IndexStats,
    IngestResult,
    SearchResult,
)
from servers.knowledge.settings import (
    HARD_MAX_DOCUMENTS_PER_CALL,
    HARD_MAX_K,
    HARD_MAX_QUERY_CHARS,
    KnowledgeSettings,
)

SERVER_NAME = "knowledge"
INSTRUCTIONS = (
    "Internal knowledge base. Use `answer` for a cited, extractive answer to a question (it says so when "
    "nothing relevant is found), `search` for the raw closest passages, `ingest` to add or replace documents."
)
HEALTH_TIMEOUT_S = 2.0

Documents = Annotated[list[DocumentIn], Field(min_length=1, max_length=HARD_MAX_DOCUMENTS_PER_CALL)]
QueryText = Annotated[str, Field(min_length=1, max_length=HARD_MAX_QUERY_CHARS)]
TopK = Annotated[int, Field(ge=1, le=HARD_MAX_K, description=f"How many chunks to return (1..{HARD_MAX_K}).")]

T = TypeVar("T")


class KnowledgeHealthReport(HealthReport):
    """The common health report plus what this server holds and how it embeds."""

    index: IndexStats | None
    embedder: EmbedderInfo


async def as_tool_result(operation: Callable[[], Awaitable[T]]) -> T:
    """Run a tool body, turning expected failures into ``ToolError`` (→ ``isError``) with their message."""
    try:
        return await operation()
    except InvalidKnowledgeInput as exc:
        raise ToolError(f"invalid input: {exc}") from exc
    except BackendError as exc:
        raise ToolError(f"backend failure: {exc}") from exc


def health_checks(embedder: Embedder, index: VectorIndex) -> list[BackendCheck]:
    async def probe_embedder() -> None:
        vectors = await embedder.embed(["health probe: is the embedder answering?"])
        if vectors.shape != (1, embedder.dim):
            raise RuntimeError(f"embedder returned shape {vectors.shape}, expected (1, {embedder.dim})")

    return [
        BackendCheck(name="vector-index", kind=index.backend, probe=index.ping),
        BackendCheck(name="embedder", kind=embedder.name, probe=probe_embedder),
    ]


def build_knowledge_server(knowledge_base: KnowledgeBase, settings: KnowledgeSettings) -> MCPServer:
    """An MCPServer exposing ``knowledge_base``; no I/O happens here."""
    server = ReferenceMCPServer(name=SERVER_NAME, instructions=INSTRUCTIONS, log_level=settings.log_level)
    checks = health_checks(knowledge_base.embedder, knowledge_base.index)

    @server.tool(
        annotations=ToolAnnotations(read_only_hint=False, idempotent_hint=True, open_world_hint=False)
    )
    async def ingest(documents: Documents) -> IngestResult:
        """Add documents ({id, text, title?, metadata?}); an existing id has all its chunks replaced.

        Documents are split into chunks of a few sentences and embedded. Returns how many documents and
        chunks were written and the index totals. Limits: text ≤ 200,000 characters, ≤ 500 documents per
        call; a call that breaks a rule changes nothing.
        """
        return await as_tool_result(lambda: knowledge_base.ingest(documents))

    @server.tool(
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
    )
    async def search(query: QueryText, k: TopK = 5) -> SearchResult:
        """The k passages (chunks) closest in meaning to the query, best first, with scores and source ids."""
        return await as_tool_result(lambda: knowledge_base.search(query, k))

    @server.tool(
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
    )
    async def answer(question: QueryText) -> AnswerResult:
        """Answer from the documents: the best matching sentence(s), quoted, with citations and a confidence.

        When no passage is relevant enough, `answered` is false and the answer says so; nothing is invented.
        """
        return await as_tool_result(lambda: knowledge_base.answer(question))

    async def health() -> KnowledgeHealthReport:
        """Report the vector index (documents, vectors, kind) and the embedder, with each one's status."""
        report = await check_health(server.name, checks, HEALTH_TIMEOUT_S)
        try:
            stats: IndexStats | None = await knowledge_base.stats()
        except Exception:  # reported as the vector-index check's error; health never fails
            stats = None
        return KnowledgeHealthReport(
            **report.model_dump(), index=stats, embedder=knowledge_base.embedder_info()
        )

    server.add_tool(
        health,
        name="health",
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    )
    return server


@asynccontextmanager
async def open_knowledge_server(settings: KnowledgeSettings) -> AsyncIterator[MCPServer]:
    """Load the embedder, open the vector index, preload the handbook, yield the ready server."""
    embedder = await load_embedder(settings)
    async with open_vector_index(settings, embedder.dim) as index:
        knowledge_base = KnowledgeBase(embedder, index, settings)
        if settings.preload_corpus:
            await knowledge_base.ingest(load_handbook())
        yield build_knowledge_server(knowledge_base, settings)


KNOWLEDGE: ServerSpec[KnowledgeSettings] = ServerSpec(
    name=SERVER_NAME, settings_type=KnowledgeSettings, open=open_knowledge_server
)
