"""Processing off the event loop: at most a few pictures at a time, each in a worker
thread, so a burst of uploads neither blocks the server nor holds more than a few
decoded pictures in memory."""

from __future__ import annotations

import asyncio

from .processing import Limits, Processed, process


class PictureProcessor:
    """Runs `processing.process` in threads, `concurrency` at once; the others wait."""

    def __init__(self, limits: Limits, *, concurrency: int = 2):
        self.limits = limits
        self._slots = asyncio.Semaphore(concurrency)

    async def process(self, data: bytes) -> Processed:
        """The upload processed (or `processing.Refused`)."""
        async with self._slots:
            return await asyncio.to_thread(process, data, self.limits)
