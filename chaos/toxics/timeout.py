"""timeout: swallows all data; with ``timeout`` > 0 closes the link after that many ms without data.

The timer restarts on every chunk (data keeps the connection open). ``timeout`` 0 is a black hole.
Removing the toxic closes the links it was active on, as Toxiproxy's cleanup does.
"""

from __future__ import annotations

import asyncio

from pydantic import StrictInt

from chaos.toxics.base import Toxic, ToxicStub
from chaos.toxics.registry import register


@register
class TimeoutToxic(Toxic):
    type_name = "timeout"

    timeout: StrictInt = 0

    def closes_on_removal(self) -> bool:
        return True

    async def pipe(self, stub: ToxicStub) -> None:
        limit_s = self.timeout / 1000 if self.timeout > 0 else None
        while True:
            try:
                async with asyncio.timeout(limit_s):
                    chunk = await stub.recv()
            except TimeoutError:
                await stub.close()
                return
            if chunk is None:
                await stub.close()
                return
            stub.drop()
