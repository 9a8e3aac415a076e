"""slicer: cuts each chunk into pieces of about ``average_size`` ± ``size_variation`` bytes.

Pieces come from halving again and again around the midpoint (± a random offset up to
``size_variation``) until a piece is within ``size_variation`` of the average, so they land between
about avg/2 and avg+var. Sleeps ``delay`` **microseconds** after each piece. ``average_size`` ≤ 0
recurses forever in Toxiproxy and is refused here; the midpoint is clamped so every cut progresses.
"""

from __future__ import annotations

import itertools
import random

from pydantic import Field, StrictInt

from chaos.stream import Chunk
from chaos.toxics.base import Toxic, ToxicStub, sleep_ms
from chaos.toxics.registry import register


@register
class SlicerToxic(Toxic):
    type_name = "slicer"

    average_size: StrictInt = Field(default=0, gt=0)
    size_variation: StrictInt = Field(default=0, ge=0)
    delay: StrictInt = 0

    def cut_points(self, length: int, rng: random.Random) -> list[int]:
        """Boundaries ``[0, …, length]`` of the pieces of a chunk of ``length`` bytes."""
        points = [0]
        pending = [(0, length)]
        while pending:
            start, end = pending.pop()
            if (end - start) - self.average_size <= self.size_variation:
                points.append(end)
                continue
            mid = start + (end - start) // 2
            if self.size_variation > 0:
                mid += rng.randrange(self.size_variation * 2) - self.size_variation
            mid = min(max(mid, start + 1), end - 1)
            pending.append((mid, end))
            pending.append((start, mid))
        return points

    async def pipe(self, stub: ToxicStub) -> None:
        while True:
            chunk = await stub.recv()
            if chunk is None:
                await stub.close()
                return
            points = self.cut_points(len(chunk.data), stub.rng)
            for begin, end in itertools.pairwise(points):
                await stub.send(Chunk(chunk.data[begin:end], chunk.received_at))
                if end < len(chunk.data):
                    stub.hold(Chunk(chunk.data[end:], chunk.received_at))
                await sleep_ms(self.delay / 1000)
