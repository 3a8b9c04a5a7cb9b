"""Deliveries as a flow: a bounded pool that claims new work as soon as a slot frees.

`DeliveryWorker.run_once` sends a batch and waits for all of it, which is what a test
wants. A running server must not: one hanging host would hold its whole batch for the
HTTP timeout, and every healthy host behind it would wait in steps of that timeout. The
pool keeps up to `size` deliveries in flight, at most `per_host` to one host (so one busy
neighbour cannot take every slot, and a host is not hammered: a host's share is decided in
the claim, so nothing is leased only to be given back), records outcomes as they finish,
and claims again at once — on a finished delivery or on new work committed in this process
(the outbox's wake-up), else at the poll interval (work from another process, retries
coming due).

A host's next share is claimed ahead with its current one, and each starts as soon as one
of the host's own deliveries ends well, without waiting for a step; after a failure
nothing more goes to it until the step records it and gives the rest back.

A step (record what finished, expand audiences, claim for the free slots) is one write
transaction, and none when a read finds nothing to do. While busy, steps come at most every
`gather_seconds`, so that what finishes meanwhile is recorded together: during an inbox
flood a group sharing its members' posts made a step, and four transactions, per delivery,
and every one was a turn of the write lock that the inbox waited behind.

Slots are for work, not for waiting: a delivery still unanswered after `slow_after`
seconds (a host that hangs until our timeout) stops counting against `size`, so a tenth
of the hosts hanging cannot fill the pool while the others wait; it goes on in the
background until its timeout, within a hard bound of `most_in_flight(size)` requests in
all (delivery_bounds.py), for which the server's HTTP client keeps enough connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque

from ..store import outbox as outbox_store
from ..store.clock import utcnow
from ..store.outbox import Delivery
from .delivery import FANOUT_ACTIVITIES, Claimed, DeliveryWorker, Expansion, Outcome
from .delivery_bounds import SLOW_AFTER_SECONDS, most_in_flight
from .workers import Heartbeats, Stopping

log = logging.getLogger(__name__)

# While busy, a step at most this often (seconds): a step is a turn of the write lock
# (docs/performance.md, "One write turn per delivery step"). After a quiet moment the
# first step comes at once.
GATHER_SECONDS = 0.05


class DeliveryPool:
    def __init__(
        self,
        worker: DeliveryWorker,
        *,
        size: int,
        per_host: int,
        slow_after: float = SLOW_AFTER_SECONDS,
        gather_seconds: float = GATHER_SECONDS,
    ):
        self.worker = worker
        self.size = size
        self.per_host = per_host
        self.slow_after = slow_after
        self.gather_seconds = gather_seconds
        self._in_flight: dict[asyncio.Task[Outcome], Delivery] = {}
        self._started: dict[asyncio.Task[Outcome], float] = {}
        # Deliveries running per host (a finished one stops counting at once).
        self._per_host: Counter[str] = Counter()
        # Deliveries claimed for a host at its share, each started as soon as one of the
        # host's own finishes well, without waiting for a step (see `_finished`).
        self._ready: dict[str, deque[Delivery]] = {}
        # Ended deliveries whose outcome the next step records.
        self._ended: list[asyncio.Task[Outcome]] = []
        # Hosts whose half-open probe is in flight: nothing else goes to them until its
        # outcome is recorded, and what was held back behind it is released then.
        self._probing: set[str] = set()
        self._held_back: dict[str, list[Delivery]] = {}

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def run(
        self,
        wake: asyncio.Event,
        poll_seconds: float,
        heartbeats: Heartbeats | None = None,
        stopping: Stopping | None = None,
    ) -> None:
        """Loop until `stopping` is asked (after the step in progress) or cancelled;
        deliveries still in flight are cancelled then (their leases expire and another
        round sends them)."""
        if stopping is not None:
            stopping.waking(wake)
        try:
            while stopping is None or not stopping.asked:
                wake.clear()
                began = time.monotonic()
                try:
                    busy = await self.step()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("delivery pool step failed")
                    busy = False
                else:
                    if heartbeats is not None:
                        heartbeats.beat("delivery")
                if busy:
                    # While busy, what finishes or comes in over the next moment goes in
                    # the next step's one transaction, rather than in a step each.
                    rest = began + self.gather_seconds - time.monotonic()
                    if rest > 0:
                        await asyncio.sleep(rest)
                    if wake.is_set():
                        continue
                await self._wait(wake, poll_seconds)
        finally:
            # Deliveries in flight or claimed ahead keep their leases: they expire and
            # another round sends them (on SQLite, the next start gives them back).
            self._ready.clear()
            for task in self._in_flight:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def step(self) -> bool:
        """Record what finished, expand audiences, fill the free slots (and claim a
        host's next share ahead): in one write transaction, taken only when there is
        something to write. True when it found anything to do.

        One transaction rather than one for each: during an inbox flood every post a group
        shares wakes the pool, and each transaction was a turn of the write lock that the
        inbox's appends and the inbox worker waited behind (docs/performance.md, "One
        write turn per delivery step")."""
        worker = self.worker
        outcomes, release, finished = self._take_finished()
        # A host that just failed gets nothing more before its outcome is recorded: what
        # was claimed ahead for it goes back, due again.
        give_back = [
            job
            for outcome in outcomes
            if not outcome.succeeded
            for job in self._ready.pop(outcome.delivery.domain, ())
        ]
        free = self._free_slots()
        skip = self._stocked_hosts() | self._probing
        writing = bool(finished or give_back)
        async with worker.federation.db.read() as conn:
            pending = await outbox_store.pending_fanouts(conn, limit=FANOUT_ACTIVITIES)
            # Only to know whether to write at all: a step that records outcomes writes
            # anyway, and its claim finds what is due.
            due = not writing and free > 0 and await outbox_store.any_due(conn, skip_domains=skip)
        if not (writing or pending or due):
            return False
        claimed = None
        async with worker.federation.db.write() as conn:
            if finished:
                await worker.record_in(conn, outcomes, utcnow(), release=release)
            if give_back:
                await outbox_store.give_back(conn, [job.id for job in give_back])
            expansion = await worker.expand(conn, pending) if pending else Expansion()
            if free > 0:
                claimed = await worker.claim_in(
                    conn,
                    limit=free + self._ready_room(),
                    skip_domains=skip,
                    per_host=self.per_host * 2,
                    in_flight=self._per_host + self._ready_counts(),
                )
        expansion = await worker.after_expansion(expansion)
        started = self._start(claimed) if claimed is not None else 0
        if expansion.deliveries > started:
            # Some of them are for others to take: busy hosts here, other processes.
            worker.federation.outbox.wake()
        return bool(finished or expansion.activities or started)

    async def drain(self) -> None:
        """Until nothing is due or in flight (for tests and benchmarks)."""
        while await self.step() or self._in_flight:
            if self._in_flight:
                await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)

    def _working(self, now: float) -> int:
        """Deliveries in flight for less than `slow_after`: those that hold a slot."""
        return sum(1 for started in self._started.values() if now - started < self.slow_after)

    async def _wait(self, wake: asyncio.Event, poll_seconds: float) -> None:
        # Also wake when the oldest working delivery turns slow: its slot is free then.
        now = time.monotonic()
        turning_slow = [
            started + self.slow_after - now
            for started in self._started.values()
            if now - started < self.slow_after
        ]
        timeout = min([poll_seconds, *turning_slow])
        waker = asyncio.ensure_future(wake.wait())
        try:
            await asyncio.wait(
                {waker, *self._in_flight},
                timeout=max(timeout, 0.0),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            waker.cancel()

    def _take_finished(self) -> tuple[list[Outcome], list[Delivery], int]:
        """The outcomes of the deliveries that finished since the last step, the
        deliveries to release (held back behind a probe that has now answered), and how
        many finished."""
        finished, self._ended = self._ended, []
        outcomes: list[Outcome] = []
        release: list[Delivery] = []
        for task in finished:
            job = self._in_flight.pop(task)
            if job.domain in self._probing:
                self._probing.discard(job.domain)
                release.extend(self._held_back.pop(job.domain, []))
            if task.cancelled():
                continue
            outcomes.append(task.result())
        return outcomes, release, len(finished)

    def _free_slots(self) -> int:
        return min(
            self.size - self._working(time.monotonic()),
            most_in_flight(self.size) - len(self._in_flight),
        )

    def _stocked_hosts(self) -> set[str]:
        """Hosts with their share running and their next share claimed ahead."""
        return {
            host
            for host, n in self._per_host.items()
            if n >= self.per_host and len(self._ready.get(host, ())) >= self.per_host
        }

    def _ready_counts(self) -> Counter[str]:
        return Counter({host: len(jobs) for host, jobs in self._ready.items()})

    def _ready_room(self) -> int:
        """How many more may be claimed ahead: at most `size` in all."""
        return max(self.size - sum(len(jobs) for jobs in self._ready.values()), 0)

    def _start(self, claimed: Claimed) -> int:
        """Send what was claimed, no host beyond its share; what is beyond it waits
        ready, and what is held back behind a probe waits for the probe."""
        for host in claimed.probes:
            self._probing.add(host)
        for job in claimed.held_back:
            self._held_back.setdefault(job.domain, []).append(job)
        for job in claimed.send:
            self._ready.setdefault(job.domain, deque()).append(job)
        started = 0
        for host in {job.domain for job in claimed.send}:
            ready = self._ready[host]
            while ready and self._per_host[host] < self.per_host:
                self._launch(ready.popleft())
                started += 1
            if not ready:
                del self._ready[host]
        return started

    def _launch(self, job: Delivery) -> None:
        self._per_host[job.domain] += 1
        task = asyncio.ensure_future(self.worker.send(job))
        self._in_flight[task] = job
        self._started[task] = time.monotonic()
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Outcome]) -> None:
        """A delivery ended: its host's slot is free, and the host's next delivery claimed
        ahead starts now if this one went well (its outcome is recorded at the next step
        with the others)."""
        job = self._in_flight.get(task)
        if job is None:
            return
        self._ended.append(task)
        self._started.pop(task, None)
        host = job.domain
        self._per_host[host] -= 1
        if self._per_host[host] <= 0:
            del self._per_host[host]
        ready = self._ready.get(host)
        if not ready or task.cancelled() or host in self._probing:
            return
        if task.result().succeeded:
            self._launch(ready.popleft())
            if not ready:
                del self._ready[host]
