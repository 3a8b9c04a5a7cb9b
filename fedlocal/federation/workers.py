"""Running workers inside `fedlocal serve`: each loops on `run_once()`, and when idle
waits for a wake-up (new work committed in this process) or the poll interval (work
written by another process, or retries coming due)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from ..store import inbox_queue
from ..store import outbox as outbox_store
from ..store.database import Database

log = logging.getLogger(__name__)


class Heartbeats:
    """When each worker of this process last finished a step (wall-clock seconds), for
    `/metrics`: a worker whose time stops moving is stuck or dead."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}

    def beat(self, name: str) -> None:
        self.last[name] = time.time()


class Stopping:
    """Asks running workers to stop between two steps, rather than cancelling them in the
    middle of one: a step cancelled inside a transaction can leave its SQLite connection
    holding the write lock, and every later writer waits out the busy timeout."""

    def __init__(self) -> None:
        self.asked = False
        self._wakes: list[asyncio.Event] = []

    def waking(self, wake: asyncio.Event) -> asyncio.Event:
        """`wake`, also set when stopping is asked (so an idle worker sees it at once)."""
        self._wakes.append(wake)
        return wake

    def ask(self) -> None:
        self.asked = True
        for wake in self._wakes:
            wake.set()


async def stop_tasks(tasks: list[asyncio.Task], stopping: Stopping, grace: float) -> None:
    """Ask the workers to stop; cancel those still running after `grace` seconds."""
    stopping.ask()
    if not tasks:
        return
    _, late = await asyncio.wait(tasks, timeout=grace)
    if late:
        log.warning("cancelling %d worker(s) still busy at shutdown", len(late))
        for task in late:
            task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def run_worker(
    name: str,
    run_once: Callable[[], Awaitable[int]],
    wake: asyncio.Event,
    poll_seconds: float,
    heartbeats: Heartbeats | None = None,
    stopping: Stopping | None = None,
) -> None:
    """Loop until `stopping` is asked (after the step in progress) or cancelled. A failing
    `run_once` is logged and retried after a poll."""
    if stopping is not None:
        stopping.waking(wake)
    while stopping is None or not stopping.asked:
        try:
            done = await run_once()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s worker step failed", name)
            done = 0
        else:
            if heartbeats is not None:
                heartbeats.beat(name)
        if done:
            continue
        # asyncio.timeout: Python 3.11's wait_for can swallow a cancellation (a worker
        # that never stops at shutdown) when it arrives as the wake-up does.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(poll_seconds):
                await wake.wait()
        wake.clear()


async def release_previous_leases(db: Database) -> None:
    """On SQLite the serving process is the only worker (docs/operations.md#several-processes),
    so what is leased at its start was claimed by a run of it that died (a kill -9, a power
    cut): give it back now rather than after `queue_lease_seconds`. On PostgreSQL another
    process may hold those leases, which then expire on their own."""
    if not db.is_sqlite:
        return
    async with db.inbox.write() as conn:
        inbox = await inbox_queue.release_leases(conn)
    async with db.write() as conn:
        sending = await outbox_store.release_all_deliveries(conn)
    if inbox or sending:
        log.warning("gave back %d inbox items and %d deliveries left leased", inbox, sending)
