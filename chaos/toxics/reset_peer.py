"""reset_peer: on the first data (or EOF) in its direction, waits ``timeout`` ms, then resets.

Connections opened while the toxic exists get SO_LINGER (on, 0 s), so the close is a real TCP RST: the
client sees ECONNRESET, then EOF. On connections older than the toxic the close is a plain FIN.
Without data nothing happens.
"""

from __future__ import annotations

from pydantic import StrictInt

from chaos.toxics.base import Toxic, ToxicStub, sleep_ms
from chaos.toxics.registry import register


@register
class ResetPeerToxic(Toxic):
    type_name = "reset_peer"
    resets_peer = True

    timeout: StrictInt = 0

    async def pipe(self, stub: ToxicStub) -> None:
        await stub.recv()
        stub.drop()
        await sleep_ms(self.timeout)
        stub.reset_connection()
