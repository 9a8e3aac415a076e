"""The ``subscriptions/listen`` stream that tells a supervisor its server's tool list changed.

A legacy (2025-11-25) session carries ``notifications/tools/list_changed`` on the session itself,
so it reaches the client's message handler unasked. A 2026-07-28 session has no such stream: the
server announces changes only on ``subscriptions/listen`` streams the client opened.
:func:`follow_tool_list_changes` keeps one open for as long as a session lives and calls
``on_change`` after every acknowledgment (nothing is replayed, so what changed before it must be
refetched), on every event, and when an acknowledged stream ends; a lost stream is re-opened with
backoff. A server that does not serve ``subscriptions/listen`` leaves the supervisor on its
periodic probes. The function runs in a task group of the task that owns the ``Client``.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable

import anyio
import mcp_types as types
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from client.settings import UpstreamSettings

logger = logging.getLogger(__name__)


async def follow_tool_list_changes(
    client: Client, settings: UpstreamSettings, on_change: Callable[[], None], rng: random.Random
) -> None:
    """Hold a tools ``subscriptions/listen`` stream on ``client`` until cancelled or unsupported.

    Never raises (except cancellation): the stream only hastens refreshes, the probe stays the
    authority on whether the session is alive.
    """
    if client.protocol_version not in MODERN_PROTOCOL_VERSIONS:
        return  # legacy sessions deliver the notification through the message handler
    backoff = settings.reconnect_initial_s
    while True:
        acknowledged_at: float | None = None
        try:
            with anyio.move_on_after(settings.connect_timeout_s) as ack_wait:
                async with client.listen(tools_list_changed=True) as subscription:
                    ack_wait.deadline = math.inf
                    acknowledged_at = anyio.current_time()
                    on_change()
                    async for _ in subscription:
                        on_change()
            ending = (
                f"no acknowledgment within {settings.connect_timeout_s:g} s"
                if ack_wait.cancelled_caught
                else "closed by the server"
            )
        except MCPError as exc:
            if acknowledged_at is None and exc.code == types.METHOD_NOT_FOUND:
                logger.debug(
                    "upstream %s does not serve subscriptions/listen; tool changes wait for the probe",
                    settings.name,
                )
                return
            ending = f"{exc} ({exc.code})"
        except Exception as exc:  # SubscriptionLost, transport failures: the probe judges the session
            ending = f"{type(exc).__name__}: {exc}"
        if acknowledged_at is not None:
            on_change()  # an abrupt end may be the server going away: let the probe find out now
            if anyio.current_time() - acknowledged_at >= settings.reconnect_max_s:
                backoff = settings.reconnect_initial_s  # a stream that flaps keeps backing off
        delay = backoff * (0.5 + rng.random())
        logger.debug(
            "upstream %s: tool change stream %s; re-listening in %.2f s", settings.name, ending, delay
        )
        await anyio.sleep(delay)
        backoff = min(settings.reconnect_max_s, backoff * 2)
