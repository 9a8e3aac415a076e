"""The fixture server's prompts (one asks for input first on 2026-07-28), resources and resource
template, listed in pages of two, so the prompts, resources and 2026-07-28 checks have something real
to hold (and their breaking rules something to break)."""

from __future__ import annotations

from typing import Any, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    InputRequiredResult,
    ListPromptsResult,
    ListResourcesResult,
    ListResourceTemplatesResult,
)

PAGE_SIZE = 2
ItemT = TypeVar("ItemT")


def page_of(items: list[ItemT], params: Any) -> tuple[list[ItemT], str | None]:
    """One page of ``items`` from the request's cursor ("page-N"); a foreign cursor is -32602."""
    cursor = getattr(params, "cursor", None) if params is not None else None
    start = 0
    if cursor is not None:
        if not (isinstance(cursor, str) and cursor.startswith("page-") and cursor[5:].isdigit()):
            raise MCPError(code=INVALID_PARAMS, message="Invalid cursor")
        start = int(cursor[5:])
        if start >= len(items):
            raise MCPError(code=INVALID_PARAMS, message="Invalid cursor")
    end = start + PAGE_SIZE
    return items[start:end], (f"page-{end}" if end < len(items) else None)


class PagedPromptsAndResources(MCPServer[Any]):
    """prompts/list, resources/list and resources/templates/list in pages of ``PAGE_SIZE``."""

    async def _handle_list_prompts(self, ctx: Any, params: Any) -> ListPromptsResult:
        prompts, next_cursor = page_of(await self.list_prompts(), params)
        return ListPromptsResult(prompts=prompts, next_cursor=next_cursor)

    async def _handle_list_resources(self, ctx: Any, params: Any) -> ListResourcesResult:
        resources, next_cursor = page_of(await self.list_resources(), params)
        return ListResourcesResult(resources=resources, next_cursor=next_cursor)

    async def _handle_list_resource_templates(self, ctx: Any, params: Any) -> ListResourceTemplatesResult:
        templates, next_cursor = page_of(await self.list_resource_templates(), params)
        return ListResourceTemplatesResult(resource_templates=templates, next_cursor=next_cursor)


def add_prompts_and_resources(server: MCPServer[Any]) -> None:
    @server.prompt()
    def greet(name: str) -> str:
        """Greet someone by name."""
        return f"Say hello to {name}."

    @server.prompt()
    def review(code: str, focus: str = "correctness") -> str:
        """Review a piece of code."""
        return f"Review this code for {focus}:\n{code}"

    @server.prompt()
    def daily_summary() -> str:
        """Summarise the day (no arguments)."""
        return "Summarise what happened today."

    @server.prompt()
    async def confirmed_plan(ctx: Context) -> Any:
        """On 2026-07-28, asks for input first (an input_required result), then plans."""
        if ctx.protocol_version == "2026-07-28" and ctx.request_state is None:
            return InputRequiredResult(request_state="confirm-plan")
        return "Plan the day."

    @server.resource("fixture://notes/readme", mime_type="text/plain")
    def readme() -> str:
        """A text resource."""
        return "The contract fixture server."

    @server.resource("fixture://notes/changelog", mime_type="text/plain")
    def changelog() -> str:
        """Another text resource."""
        return "0.1: first release."

    @server.resource("fixture://images/pixel", mime_type="image/png")
    def pixel() -> bytes:
        """A binary resource (served as base64)."""
        return b"\x89PNG\r\n\x1a\n"

    @server.resource("fixture://users/{user_id}/profile", mime_type="application/json")
    def profile(user_id: str) -> str:
        """A resource template."""
        return f'{{"user_id": "{user_id}"}}'
