"""Inbox admission: a bounded backlog, kept by answering later rather than refusing.

The inbox answers 202 as soon as an activity is durable, and the inbox worker applies it
afterwards. A sender that keeps its connections busy (a relay, a server catching up after
an outage, a flood) can be answered faster than the worker applies: the queue then grows
for as long as the flow lasts, and a resident sees posts minutes, then hours, late.

So the backlog is kept under `limit`. Below a pacing mark (three quarters of the limit) a
verified request goes in at once. From the mark on, each new request is held before its
append, first come first served, and held requests go in at a pace: the room left under
the limit spread over 0.2 s. The pace slows as the backlog grows, and the backlog settles
where the pace matches what the worker takes out; at the limit none goes in until the
worker has made room. A worker faster than the pace at the mark (1,250 a second for a
limit of 1,000) takes the backlog under the mark, where held requests go in at once.
Senders keep their activities, and whoever sends the most waits the most: a closed-loop
sender ends up sending at the rate the instance processes (docs/performance.md, "A
bounded backlog", "Paced admission").

Why a pace rather than "let in as many as there is room for": the worker takes activities
out a batch at a time, so room comes in steps, and held requests let in at each step had
waited anything from nothing to a whole batch: in a flood the 202's p99 was 2.4 times its
median. Let in at a steady pace, each held request waits about as long as the others. No
rate is measured: pacing at the worker's rate measured from the counts held requests up
to 0.6 s whenever the measure lagged the rate (the start of a flood).

Nothing is refused and nothing is lost: a request is never held longer than
`hold_seconds` (well under the 10 s within which Mastodon and others give up on a
delivery), and past `max_held` held requests the next ones go in at once, so that a
sender that never waits for an answer cannot grow the process's memory. The queue is
counted up to `limit` only (an index range of at most `limit` rows), at most every
`check_every` seconds, only while requests arrive or are held, and no request waits for
a count once the first has been made.

The count is the queue's, on the database: it holds on every process layout (web and
workers in one process, web processes beside `fedlocal worker` processes, on SQLite or
PostgreSQL). With several web processes, each paces its own held requests from the same
backlog, so the backlog settles a little higher, still under the limit. With no worker
running at all, held requests wait `hold_seconds` and go in: slower 202s, never lost
activities.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque

from ..store import Database, inbox_queue

log = logging.getLogger(__name__)


# The backlog is counted at most this often while requests arrive or are held: an index
# range of at most `limit` rows (3 ms at p50 in a flood, mostly the database's thread
# waiting for a core). No request waits for a count but the first.
CHECK_EVERY_SECONDS = 0.01
# Held requests are let in a step at a time, as many as the pace allows since the last
# step. A step is at least this long, and at the pace at least STEP_GROUP requests long (at
# most LONGEST_STEP_SECONDS): short beside the 25-60 ms a request is held in a flood, and
# long enough for the released requests' appends to share a commit. With steps of 4 ms
# the web process spent 0.70 ms of CPU a request against 0.58 at 10 ms; with the workers
# in the web process, steps of 10 ms at its 500/s cost 2.1 ms an activity against 1.9.
PACE_EVERY_SECONDS = 0.010
STEP_GROUP = 12
LONGEST_STEP_SECONDS = 0.05
# The pace is the room left under the limit spread over this long: it slows as the backlog
# nears the limit and settles where it matches what the worker takes out (about 800 of
# 1,000 for a worker taking out 1,000 a second).
PACE_HORIZON_SECONDS = 0.2
# A step that comes late (a busy loop, the cores taken by the worker) lets in what the
# pace allowed since the last one, up to this many steps' worth: a late step does not lose
# the pace, and a long pause is not made up with a burst.
CATCH_UP_STEPS = 5
MAX_HELD = 256


class InboxAdmission:
    """Keeps the inbox's backlog under `limit` (0: never holds anything): requests go in
    at once under the pacing mark, paced above it, none at the limit."""

    def __init__(
        self,
        db: Database,
        *,
        limit: int,
        hold_seconds: float,
        max_held: int = MAX_HELD,
        check_every: float = CHECK_EVERY_SECONDS,
        pace_every: float = PACE_EVERY_SECONDS,
    ):
        self.db = db
        self.limit = limit
        self.mark = pacing_mark(limit)
        self.hold_seconds = hold_seconds
        self.max_held = max_held
        self.check_every = check_every
        self.pace_every = pace_every
        # The last count, and what went in here since: what this process knows of the
        # backlog. None before the first count.
        self._counted: int | None = None
        self._in_since_count = 0
        self._counted_at = float("-inf")
        self._counting = asyncio.Lock()
        self._count_task: asyncio.Task[None] | None = None
        self._held: deque[asyncio.Future[None]] = deque()
        self._releaser: asyncio.Task[None] | None = None
        # For /metrics.
        self.outcomes = {"released": 0, "timed_out": 0, "over_max_held": 0}

    @property
    def held(self) -> int:
        """Requests held right now."""
        return len(self._held)

    @property
    def backlog(self) -> int:
        """The backlog as this process knows it: the last count and what went in since."""
        return (self._counted or 0) + self._in_since_count

    def pace(self) -> float:
        """How many held requests a second go in now: the room left under the limit,
        spread over `PACE_HORIZON_SECONDS`."""
        return max(0, self.limit - self.backlog) / PACE_HORIZON_SECONDS

    async def admit(self) -> None:
        """Return when this request may be appended: at once while the backlog is under
        the mark and nobody is held, else in its turn at the pace (or after
        `hold_seconds`, or at once past `max_held`)."""
        if self.limit <= 0:
            return
        if self._counted is None:
            await self._count()
        else:
            self._count_soon()
        if not self._held and self.backlog < self.mark:
            self._went_in()
            return
        if len(self._held) >= self.max_held:
            self.outcomes["over_max_held"] += 1
            self._went_in()
            return
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._held.append(ticket)
        self._start_releasing()
        try:
            await asyncio.wait_for(asyncio.shield(ticket), self.hold_seconds)
            self.outcomes["released"] += 1
        except TimeoutError:
            self.outcomes["timed_out"] += 1
            self._went_in()
        finally:
            if not ticket.done():
                ticket.cancel()
            with contextlib.suppress(ValueError):  # not there once released
                self._held.remove(ticket)

    def _went_in(self) -> None:
        """A request goes in: it counts in the backlog until the next count sees it."""
        self._in_since_count += 1

    def _count_soon(self) -> None:
        """Count in the background if the last count is older than `check_every`."""
        if time.monotonic() - self._counted_at < self.check_every:
            return
        if self._count_task is None or self._count_task.done():
            self._count_task = asyncio.get_running_loop().create_task(self._count())

    async def _count(self) -> None:
        """Count the backlog (up to `limit`). One count at a time."""
        async with self._counting:
            if time.monotonic() - self._counted_at < self.check_every:
                return
            # What goes in while the query runs may or may not be in its figure: it is
            # kept on top of it, which errs towards a fuller backlog.
            went_in = self._in_since_count
            try:
                async with self.db.inbox.read() as conn:
                    waiting = await inbox_queue.due_up_to(conn, self.limit)
            except Exception:
                # Holding requests is an optimisation: a failed count lets them in.
                log.exception("could not count the inbox queue; letting requests in")
                waiting = 0
            self._counted = waiting
            self._in_since_count -= went_in
            self._counted_at = time.monotonic()

    def _start_releasing(self) -> None:
        if self._releaser is None or self._releaser.done():
            self._releaser = asyncio.get_running_loop().create_task(self._release_while_held())

    async def _release_while_held(self) -> None:
        """While requests are held: a step at a time, let in the oldest, as many as there
        is room for under the mark, then as many as the pace allows since the last step,
        never past the limit."""
        allowance, step = 0.0, self.pace_every
        stepped_at = time.monotonic()
        while self._held:
            await asyncio.sleep(step)
            self._count_soon()
            now, pace = time.monotonic(), self.pace()
            allowance = min(
                allowance + (now - stepped_at) * pace, max(1.0, CATCH_UP_STEPS * step * pace)
            )
            stepped_at = now
            step = step_seconds(pace, self.pace_every)
            while self._held and self.backlog < self.limit:
                # Under the mark there is room to spare, and a worker faster than the pace
                # at the mark (the limit's last quarter over PACE_HORIZON_SECONDS) has put
                # the backlog there: the pace must not cap it.
                paced = self.backlog >= self.mark
                if paced and allowance < 1:
                    break
                ticket = self._held.popleft()
                if not ticket.done():
                    ticket.set_result(None)
                    self._went_in()
                    if paced:
                        allowance -= 1

    async def close(self) -> None:
        """Let every held request in and stop counting (the process is stopping)."""
        for ticket in self._held:
            if not ticket.done():
                ticket.set_result(None)
        self._held.clear()
        for task in (self._releaser, self._count_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def step_seconds(pace: float, shortest: float) -> float:
    """How long until the next step at `pace`: long enough for `STEP_GROUP` requests, no
    shorter than `shortest`, no longer than `LONGEST_STEP_SECONDS`."""
    if pace <= 0:
        return shortest
    return min(LONGEST_STEP_SECONDS, max(shortest, STEP_GROUP / pace))


def pacing_mark(limit: int) -> int:
    """The backlog from which requests are paced: three quarters of the limit. With half,
    a steady flow just under what the worker processes passed the mark now and then, and
    the requests held then made the sender fall behind: the highest steady rate it kept up
    was 693 a second, against 731 with three quarters."""
    return limit * 3 // 4
