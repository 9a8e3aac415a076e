"""latency: holds each chunk until its arrival time + ``latency`` ± ``jitter`` ms.

Delays count from when the proxy read the chunk, so they overlap instead of adding up per chunk, and
chained latency toxics add (each moves the chunk's timestamp on by what it waited).
"""

from __future__ import annotations

import asyncio

from pydantic import StrictInt

from chaos.toxics.base import Toxic, ToxicStub
from chaos.toxics.registry import register


@register
class LatencyToxic(Toxic):
    type_name = "latency"

    latency: StrictInt = 0
    jitter: StrictInt = 0

    def delay_ms(self, stub: ToxicStub) -> int:
        delay = self.latency
        if self.jitter > 0:
            delay += stub.rng.randrange(self.jitter * 2) - self.jitter
        return delay

    async def pipe(self, stub: ToxicStub) -> None:
        loop = asyncio.get_running_loop()
        while True:
            chunk = await stub.recv()
            if chunk is None:
                await stub.close()
                return
            wait_s = self.delay_ms(stub) / 1000 - (loop.time() - chunk.received_at)
            if wait_s > 0:
                await asyncio.sleep(wait_s)
                chunk.received_at += wait_s
            await stub.send(chunk)
