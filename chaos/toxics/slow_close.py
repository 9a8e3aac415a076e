"""slow_close: when the source reaches EOF, waits ``delay`` ms before closing the destination."""

from __future__ import annotations

from pydantic import StrictInt

from chaos.toxics.base import Toxic, ToxicStub, sleep_ms
from chaos.toxics.registry import register


@register
class SlowCloseToxic(Toxic):
    type_name = "slow_close"

    delay: StrictInt = 0

    async def pipe(self, stub: ToxicStub) -> None:
        while True:
            chunk = await stub.recv()
            if chunk is None:
                await sleep_ms(self.delay)
                await stub.close()
                return
            await stub.send(chunk)
