"""bandwidth: limits a direction to ``rate`` KB/s (1 KB = 1000 B); rate 0 blocks all data.

Like Toxiproxy, it sleeps ``len / rate`` ms per chunk and sends chunks larger than ``rate × 100`` bytes
in 100 ms slices, carrying the timer's error over to the next sleep. A negative rate (a panic in
Toxiproxy) is refused by validation.
"""

from __future__ import annotations

import asyncio

from pydantic import Field, StrictInt

from chaos.stream import Chunk
from chaos.toxics.base import Toxic, ToxicStub
from chaos.toxics.registry import register


@register
class BandwidthToxic(Toxic):
    type_name = "bandwidth"

    rate: StrictInt = Field(default=0, ge=0)

    async def pipe(self, stub: ToxicStub) -> None:
        loop = asyncio.get_running_loop()
        debt_s = 0.0
        while True:
            chunk = await stub.recv()
            if chunk is None:
                await stub.close()
                return
            if self.rate == 0:
                await asyncio.Event().wait()  # blocks until interrupted; the stub keeps the chunk
            debt_s += len(chunk.data) / (self.rate * 1000)
            slice_size = self.rate * 100
            data = chunk.data
            while len(data) > slice_size:
                await asyncio.sleep(0.1)
                piece, data = data[:slice_size], data[slice_size:]
                await stub.send(Chunk(piece, chunk.received_at))
                stub.hold(Chunk(data, chunk.received_at))
                debt_s -= 0.1
            started = loop.time()
            if debt_s > 0:
                await asyncio.sleep(debt_s)
            debt_s -= loop.time() - started
            await stub.send(Chunk(data, chunk.received_at))
