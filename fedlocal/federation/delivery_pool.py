"""Deliveries as a flow: a bounded pool that claims new work as soon as a slot frees.

`DeliveryWorker.run_once` sends a batch and waits for all of it, which is what a test
wants. A running server must not: one hanging host would hold its whole batch for the
HTTP timeout, and every healthy host behind it would wait in steps of that timeout. The
pool keeps up to `size` deliveries in flight, at most `per_host` to one host (so one busy
neighbour cannot take every slot, and a host is not hammered), records outcomes as they
finish, and claims again at once — on a finished delivery or on new work committed in this
process (the outbox's wake-up), else at the poll interval (work from another process,
retries coming due).

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
from collections import Counter

from ..store.clock import utcnow
from ..store.outbox import Delivery
from .delivery import DeliveryWorker, Outcome
from .delivery_bounds import SLOW_AFTER_SECONDS, most_in_flight
from .workers import Heartbeats, Stopping

log = logging.getLogger(__name__)


class DeliveryPool:
    def __init__(
        self,
        worker: DeliveryWorker,
        *,
        size: int,
        per_host: int,
        slow_after: float = SLOW_AFTER_SECONDS,
    ):
        self.worker = worker
        self.size = size
        self.per_host = per_host
        self.slow_after = slow_after
        self._in_flight: dict[asyncio.Task[Outcome], Delivery] = {}
        self._started: dict[asyncio.Task[Outcome], float] = {}
        self._per_host: Counter[str] = Counter()
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
                if busy and wake.is_set():
                    continue
                await self._wait(wake, poll_seconds)
        finally:
            for task in self._in_flight:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def step(self) -> bool:
        """Record what finished, expand audiences, fill the free slots. True when it
        found anything to do."""
        recorded = await self._record_finished()
        expanded = await self.worker.fan_out()
        started = await self._fill()
        return bool(recorded or expanded or started)

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

    async def _record_finished(self) -> int:
        finished = [task for task in self._in_flight if task.done()]
        if not finished:
            return 0
        outcomes: list[Outcome] = []
        release: list[Delivery] = []
        for task in finished:
            job = self._in_flight.pop(task)
            self._started.pop(task, None)
            self._per_host[job.domain] -= 1
            if self._per_host[job.domain] <= 0:
                del self._per_host[job.domain]
            if job.domain in self._probing:
                self._probing.discard(job.domain)
                release.extend(self._held_back.pop(job.domain, []))
            if task.cancelled():
                continue
            outcomes.append(task.result())
        # One write transaction for everything that finished since the last step.
        await self.worker.record(outcomes, utcnow(), release=release)
        return len(finished)

    async def _fill(self) -> int:
        free = min(
            self.size - self._working(time.monotonic()),
            most_in_flight(self.size) - len(self._in_flight),
        )
        if free <= 0:
            return 0
        busy_hosts = {host for host, n in self._per_host.items() if n >= self.per_host}
        claimed = await self.worker.claim(limit=free, skip_domains=busy_hosts | self._probing)
        send: list[Delivery] = []
        extra: list[Delivery] = []
        for job in claimed.send:
            # One claim can hold more for a host than its share; those go back at once.
            if self._per_host[job.domain] >= self.per_host:
                extra.append(job)
                continue
            self._per_host[job.domain] += 1
            send.append(job)
        for host in claimed.probes:
            self._probing.add(host)
        for job in claimed.held_back:
            self._held_back.setdefault(job.domain, []).append(job)
        if extra:
            await self.worker.release(extra)
        for job in send:
            task = asyncio.ensure_future(self.worker.send(job))
            self._in_flight[task] = job
            self._started[task] = time.monotonic()
        return len(send)
