"""Servers that break the contract by dying or hanging, and honest servers that are merely unusual.

``UnusualServer`` is the correct fixture server plus, by environment (so the same server runs over
stdio and as an HTTP subprocess):

- ``MCPH_FIXTURE_DIE_ON=TEXT``: any string argument containing TEXT makes the process exit (status 3).
- ``MCPH_FIXTURE_HANG_ON=TEXT``: any string argument containing TEXT makes the call never end.
- ``MCPH_FIXTURE_SERIAL_S=S`` (honest): calls are served one at a time, each taking S seconds.
- a ``wipe`` tool annotated ``destructiveHint: true`` that writes ``WIPED`` into its working directory.
- a ``slow_report`` tool (honest): runs ``MCPH_FIXTURE_SLOW_S`` seconds (default 10), reporting
  progress every ``MCPH_FIXTURE_PROGRESS_EVERY_S``; a ``linger`` tool (honest for a MUST) that
  ignores cancellation and keeps sending progress and log messages for ``MCPH_FIXTURE_LINGER_S``.

Run: ``python -m tests.contract_targets.unusual`` (stdio) or ``… --http PORT``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import anyio
from mcp.server.mcpserver import Context
from mcp.types import ToolAnnotations

from tests.contract_targets.reference import ReferenceServer, build_reference_server


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


SERIAL = anyio.Lock()  # MCPH_FIXTURE_SERIAL_S: the server works through calls one at a time


class UnusualServer(ReferenceServer):
    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        texts = strings_in(arguments)
        die_on, hang_on = os.environ.get("MCPH_FIXTURE_DIE_ON"), os.environ.get("MCPH_FIXTURE_HANG_ON")
        if die_on and any(die_on in t for t in texts):
            print(f"fatal: cannot handle {die_on!r} in {name}", file=sys.stderr, flush=True)
            os._exit(3)
        if hang_on and any(hang_on in t for t in texts):
            await anyio.sleep(3600)
        serial_s = seconds("MCPH_FIXTURE_SERIAL_S", 0)
        if serial_s:  # one call at a time, each taking serial_s: slow under load, never hung
            async with SERIAL:
                await anyio.sleep(serial_s)
        return await super().call_tool(name, arguments, context)


def seconds(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def build_unusual_server() -> ReferenceServer:
    server = build_reference_server(UnusualServer)

    @server.tool(annotations=ToolAnnotations(destructiveHint=True))
    def wipe() -> str:
        """Destroys things (writes a WIPED marker in the working directory)."""
        Path("WIPED").write_text("the contract suite called a destructive tool\n")
        return "wiped"

    @server.tool(annotations=ToolAnnotations(readOnlyHint=True))
    async def slow_report(ctx: Context) -> str:
        """Takes its time by design and says so with progress notifications."""
        total, every = seconds("MCPH_FIXTURE_SLOW_S", 10), seconds("MCPH_FIXTURE_PROGRESS_EVERY_S", 1)
        elapsed = 0.0
        while elapsed < total:
            await anyio.sleep(min(every, total - elapsed))
            elapsed += every
            await ctx.report_progress(min(elapsed, total), total)
        return f"done after {total:g} s"

    @server.tool()
    async def linger(ctx: Context) -> str:
        """Ignores cancellation and keeps talking (progress and log messages) until it is done."""
        total = seconds("MCPH_FIXTURE_LINGER_S", 1.5)
        with anyio.CancelScope(shield=True):
            for step in range(1, int(total / 0.1) + 1):
                await anyio.sleep(0.1)
                await ctx.report_progress(step, None)
                await ctx.info(f"still lingering ({step})")
        return "lingered"

    return server


def main(argv: list[str]) -> None:
    server = build_unusual_server()
    if len(argv) == 2 and argv[0] == "--http":
        import uvicorn

        from servers.common.runner import transport_security
        from servers.common.settings import ServerSettings

        security = transport_security(ServerSettings(path="/mcp"))
        app = server.streamable_http_app(
            streamable_http_path="/mcp", json_response=True, transport_security=security
        )
        uvicorn.run(app, host="127.0.0.1", port=int(argv[1]), log_level="warning")
    else:
        server.run("stdio")


if __name__ == "__main__":
    main(sys.argv[1:])
