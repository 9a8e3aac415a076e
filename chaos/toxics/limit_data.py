"""limit_data: forwards the first ``bytes`` bytes of a link, cuts the chunk that crosses, then closes.

The count is per link (each connection gets a fresh budget) and survives updates of the toxic.
``bytes`` 0 closes on the first data.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import StrictInt

from chaos.stream import Chunk
from chaos.toxics.base import Toxic, ToxicStub
from chaos.toxics.registry import register


@dataclass
class BytesSent:
    count: int = 0


@register
class LimitDataToxic(Toxic):
    type_name = "limit_data"

    bytes: StrictInt = 0

    def new_state(self) -> BytesSent:
        return BytesSent()

    async def pipe(self, stub: ToxicStub) -> None:
        sent: BytesSent = stub.state
        while True:
            chunk = await stub.recv()
            if chunk is None:
                await stub.close()
                return
            remaining = max(self.bytes - sent.count, 0)
            data = chunk.data[:remaining]
            if data:
                stub.hold(Chunk(data, chunk.received_at))
                await stub.send(stub.holding)  # type: ignore[arg-type]
                sent.count += len(data)
            if self.bytes - sent.count <= 0:
                await stub.close()
                return
