"""How long the app's event loop stalled: a 2 ms ticker on it, and the longest it waited
beyond that while `on` (the screen draws nothing while the loop is held)."""

from __future__ import annotations

import asyncio
import time

TICK = 0.002


class Stalls:
    def __init__(self) -> None:
        self.max = 0.0
        self.on = False
        self._task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(TICK)
            if self.on:
                self.max = max(self.max, time.perf_counter() - t - TICK)

    def cancel(self) -> None:
        self._task.cancel()
