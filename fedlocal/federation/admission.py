"""Inbox admission: a bounded backlog, kept by answering later rather than refusing.

The inbox answers 202 as soon as an activity is durable, and the inbox worker applies it
afterwards. A sender that keeps its connections busy (a relay, a server catching up after
an outage, a flood) can be answered faster than the worker applies: the queue then grows
for as long as the flow lasts, and a resident sees posts minutes, then hours, late.

So while `limit` activities or more wait to be processed, a verified request is held
before its append until the worker has made room, first come first served; then it is
appended and answered 202 as usual. Senders keep their activities, and whoever sends the
most waits the most: a closed-loop sender ends up sending at the rate the instance
processes (docs/performance.md, "A bounded backlog"). Nothing is refused and nothing is
lost: a request is never held longer than `hold_seconds` (well under the 10 s within which
Mastodon and others give up on a delivery), and past `max_held` held requests the next ones
go in at once, so that a sender that never waits for an answer cannot grow the process's
memory. The queue is counted up to `limit` only (an index range of at most `limit` rows),
at most every `check_every` seconds, and only while requests arrive or are held.

The count is the queue's, on the database: it holds on every process layout (web and
workers in one process, web processes beside `fedlocal worker` processes, on SQLite or
PostgreSQL). With no worker running at all, each request waits `hold_seconds` and goes in:
slower 202s, never lost activities.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque

from ..store import Database, inbox_queue

log = logging.getLogger(__name__)

# A held request waits for the first count after the worker's commit that made room: at
# 50 ms the 202's p99 during a flood was 3.3x the bare endpoint's, at 10 ms 2.5x
# (docs/performance.md, "One write turn per delivery step"). A count is an index range of
# at most `limit` rows, under a millisecond, made only while requests arrive or are held.
CHECK_EVERY_SECONDS = 0.01
MAX_HELD = 256


class InboxAdmission:
    """Holds inbox requests back while the backlog is at `limit` (0: never)."""

    def __init__(
        self,
        db: Database,
        *,
        limit: int,
        hold_seconds: float,
        max_held: int = MAX_HELD,
        check_every: float = CHECK_EVERY_SECONDS,
    ):
        self.db = db
        self.limit = limit
        self.hold_seconds = hold_seconds
        self.max_held = max_held
        self.check_every = check_every
        # How many more may go in before the next count; refreshed by each count.
        self._room = 0
        self._counted_at = float("-inf")
        self._counting = asyncio.Lock()
        self._held: deque[asyncio.Future[None]] = deque()
        self._releaser: asyncio.Task[None] | None = None
        # For /metrics.
        self.outcomes = {"released": 0, "timed_out": 0, "over_max_held": 0}

    @property
    def held(self) -> int:
        """Requests held right now."""
        return len(self._held)

    async def admit(self) -> None:
        """Return when this request may be appended: at once while there is room, else
        once the worker has made some (or after `hold_seconds`, or at once past
        `max_held`)."""
        if self.limit <= 0:
            return
        if not self._held:
            if time.monotonic() - self._counted_at >= self.check_every:
                await self._count()
            if self._room > 0:
                self._room -= 1
                return
        if len(self._held) >= self.max_held:
            self.outcomes["over_max_held"] += 1
            return
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._held.append(ticket)
        self._start_releasing()
        try:
            await asyncio.wait_for(asyncio.shield(ticket), self.hold_seconds)
            self.outcomes["released"] += 1
        except TimeoutError:
            self.outcomes["timed_out"] += 1
        finally:
            if not ticket.done():
                ticket.cancel()
            with contextlib.suppress(ValueError):  # not there once released
                self._held.remove(ticket)

    async def _count(self) -> None:
        """Count the backlog (up to `limit`) and set the room left under it. One count at a
        time: requests that come during one use its figure."""
        async with self._counting:
            if time.monotonic() - self._counted_at < self.check_every:
                return
            try:
                async with self.db.inbox.read() as conn:
                    waiting = await inbox_queue.due_up_to(conn, self.limit)
            except Exception:
                # Holding requests is an optimisation: a failed count lets them in.
                log.exception("could not count the inbox queue; letting requests in")
                waiting = 0
            self._room = self.limit - waiting
            self._counted_at = time.monotonic()

    def _start_releasing(self) -> None:
        if self._releaser is None or self._releaser.done():
            self._releaser = asyncio.get_running_loop().create_task(self._release_while_held())

    async def _release_while_held(self) -> None:
        """While requests are held: count again every `check_every` and let in, oldest
        first, as many as there is room for."""
        while self._held:
            await asyncio.sleep(self.check_every)
            await self._count()
            while self._held and self._room > 0:
                ticket = self._held.popleft()
                if not ticket.done():
                    self._room -= 1
                    ticket.set_result(None)

    async def close(self) -> None:
        """Let every held request in and stop counting (the process is stopping)."""
        for ticket in self._held:
            if not ticket.done():
                ticket.set_result(None)
        self._held.clear()
        if self._releaser is not None:
            self._releaser.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._releaser
