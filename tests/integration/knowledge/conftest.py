"""Fixtures for the knowledge integration tests: read tool results the way a user of the SDK client would."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from mcp import Client
from mcp.types import TextContent

from servers.knowledge.evaluate import SearchFunction
from servers.knowledge.models import SearchResult

ErrorText = Callable[[Any], str]
CallOk = Callable[[Client, str, dict[str, Any]], Awaitable[dict[str, Any]]]


def _error_text(result: Any) -> str:
    assert result.is_error, f"expected an error, got {result.structured_content}"
    content = result.content[0]
    assert isinstance(content, TextContent)
    return content.text


@pytest.fixture
def error_text() -> ErrorText:
    """The message of an ``isError`` result (fails the test if the call succeeded)."""
    return _error_text


@pytest.fixture
def call_ok() -> CallOk:
    """``await call_ok(client, tool, args)`` → structured content; an ``isError`` result fails the test."""

    async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = await client.call_tool(tool, arguments)
        assert not result.is_error, result.content
        assert result.structured_content is not None
        return result.structured_content

    return call


@pytest.fixture
def search_over() -> Callable[[Client], SearchFunction]:
    """``search_over(client)`` → ``search(query, k)`` through the MCP tool, for ``evaluate_recall``."""

    def adapt(client: Client) -> SearchFunction:
        async def search(query: str, k: int) -> SearchResult:
            result = await client.call_tool("search", {"query": query, "k": k})
            assert not result.is_error, result.content
            return SearchResult.model_validate(result.structured_content)

        return search

    return adapt
