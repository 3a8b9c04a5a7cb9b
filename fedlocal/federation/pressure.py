"""Inbox pressure: acknowledge first, process when the inbox is quiet.

During a burst (a popular post's boosts and replies arriving from everywhere at once),
the inbox worker competing with the inbox for the one event loop and the one SQLite
writer slows every acknowledgement. The worker therefore waits for a short lull before
each batch — but never longer than `max_wait`, so a sustained flood still gets processed,
one batch per `max_wait` at least (docs/performance.md has the figures).
"""

from __future__ import annotations

import asyncio
import time

QUIET_FOR_SECONDS = 0.05
MAX_WAIT_SECONDS = 1.0


class InboxPressure:
    def __init__(self, *, quiet_for: float = QUIET_FOR_SECONDS, max_wait: float = MAX_WAIT_SECONDS):
        self.quiet_for = quiet_for
        self.max_wait = max_wait
        self._last_request = float("-inf")

    def note_request(self) -> None:
        """Called by the inbox for every POST it receives."""
        self._last_request = time.monotonic()

    async def lull(self) -> None:
        """Return once no inbox POST has arrived for `quiet_for`, or after `max_wait`."""
        deadline = time.monotonic() + self.max_wait
        while True:
            now = time.monotonic()
            quiet = now - self._last_request
            if quiet >= self.quiet_for or now >= deadline:
                return
            await asyncio.sleep(min(self.quiet_for - quiet, deadline - now))
