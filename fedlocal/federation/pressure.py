"""Inbox pressure: acknowledge first, process without falling behind.

During a burst (a popular post's boosts and replies arriving from everywhere at once),
the inbox worker competing with the inbox for the one event loop and the one SQLite
writer slows every acknowledgement. So when the queue has been drained, the worker waits
for a short lull before its next batch (never longer than `max_wait`): a burst is
acknowledged first and processed just after.

Under a steady flow there is never a lull, and waiting for one would cap processing at one
batch per `max_wait` whatever the arrival rate — the backlog would grow without bound. So
once a batch comes back full (the queue holds more than a batch: the worker is behind), it
stops waiting for lulls: between batches it only gives the inbox a share of the loop in
proportion to the batch it just ran (`yield_ratio`: 0.5 leaves the worker two thirds of
the time while requests keep arriving, all of it when they stop). docs/performance.md has
the figures.

A worker process (`fedlocal worker`) on PostgreSQL hears of the activities other processes
queued (`note_queued_elsewhere`, through LISTEN/NOTIFY): they count for its lulls, so that
it still processes them in batches, but not for that share, which is for requests its own
event loop answers. A worker process that stepped aside for another process's requests
idled a third of the time while it was behind. On SQLite the file watch tells only that
something changed, so a worker process there hears of no request and never waits for a
lull.

While the inbox holds requests back because the backlog is past its pacing mark (admission.py),
those requests wait for the worker: it then neither waits for a lull nor steps aside
(`waiting_on_worker`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


def _nobody() -> bool:
    return False


QUIET_FOR_SECONDS = 0.05
MAX_WAIT_SECONDS = 1.0
YIELD_RATIO = 0.5


class InboxPressure:
    def __init__(
        self,
        *,
        quiet_for: float = QUIET_FOR_SECONDS,
        max_wait: float = MAX_WAIT_SECONDS,
        yield_ratio: float = YIELD_RATIO,
    ):
        self.quiet_for = quiet_for
        self.max_wait = max_wait
        self.yield_ratio = yield_ratio
        self._last_request = float("-inf")
        self._last_request_here = float("-inf")
        self._behind = False
        self._last_batch_seconds = 0.0
        # True while this process's inbox holds requests back (admission.py).
        self.waiting_on_worker: Callable[[], bool] = _nobody

    def note_request(self) -> None:
        """Called by the inbox for every POST it receives."""
        self._last_request = self._last_request_here = time.monotonic()

    def note_queued_elsewhere(self) -> None:
        """Another process queued an activity: as a request for the lulls, not for the
        share of this process's event loop (it answered no request)."""
        self._last_request = time.monotonic()

    def seconds_since_request(self) -> float:
        """Since the last inbox POST noted here (infinite before the first)."""
        return time.monotonic() - self._last_request

    @property
    def behind(self) -> bool:
        """True while the last batch came back full: more is queued than one batch."""
        return self._behind

    async def lull(self) -> None:
        """Return once no inbox POST has arrived for `quiet_for`, or after `max_wait`."""
        deadline = time.monotonic() + self.max_wait
        while True:
            now = time.monotonic()
            quiet = now - self._last_request
            if quiet >= self.quiet_for or now >= deadline:
                return
            await asyncio.sleep(min(self.quiet_for - quiet, deadline - now))

    async def before_batch(self) -> None:
        """Wait before the next batch: for a lull when the worker is level with the queue,
        for the inbox's share of the loop when it is behind and requests keep coming;
        not at all while requests are held until it makes room."""
        if self.waiting_on_worker():
            return
        if not self._behind:
            await self.lull()
        elif time.monotonic() - self._last_request_here < self.quiet_for:
            await asyncio.sleep(self._last_batch_seconds * self.yield_ratio)

    def after_batch(self, taken: int, batch_size: int, seconds: float) -> None:
        self._behind = taken >= batch_size
        self._last_batch_seconds = seconds

    def paced(self, run_once: Callable[[], Awaitable[int]], batch_size: int):
        """`run_once` of the inbox worker, paced by this pressure (for `run_worker`)."""

        async def step() -> int:
            await self.before_batch()
            started = time.monotonic()
            taken = await run_once()
            self.after_batch(taken, batch_size, time.monotonic() - started)
            return taken

        return step
