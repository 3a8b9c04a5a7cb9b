"""The inbox worker: takes verified activities from the inbox queue and applies them.

A batch goes through three phases, so the database is visited a fixed number of times per
batch rather than several times per activity:
1. stage — one read transaction: parse, check the verb's shape (shapes.py), skip what was
   already processed, find the sender, check origins, pick the verb's handler;
2. prepare — the handlers' network work (fetching an announced object…), concurrently and
   outside any transaction, so no lock is held during HTTP;
3. commit — write transactions of COMMIT_CHUNK activities (a whole batch, by default)
   with a savepoint per activity: the effect and the activity id recorded as received,
   together; then the queue rows removed (or marked for a retry, or failed). Where the
   queue is in the store's database (PostgreSQL) that is in the same transaction; on
   SQLite the queue has a file of its own (`store/inbox_file.py`) and its rows change in
   a short transaction of that file's once the store's has committed.
   An activity that fails rolls back to its savepoint alone. A run of plain Creates (new
   posts from followed actors, the bulk of a steady flow) shares one savepoint and one
   statement per table (`inbox/create.py`); if it fails, its activities go one by one.

The last chunk's queue transaction also claims the next batch, whatever is due by then:
while activities keep coming, one queue transaction per batch, and so one turn of the
queue's write lock, which the inbox's appends wait for (`close` gives such a batch back
if the worker stops before it runs).

Idempotent by activity id: an activity delivered twice, or a worker that crashes half-way,
has exactly one effect.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from activitypub.addressing import id_of
from activitypub.jsonutil import MalformedJSON, loads_bounded

from ..models import Actor
from ..store import actors as actor_store
from ..store import inbox_queue
from ..store import received as received_store
from ..store.clock import utcnow
from ..store.inbox_queue import InboxItem
from .backoff import backoff_seconds
from .inbox import create
from .inbox.authored import Authored
from .inbox.context import Ignored, InboxContext, RetryLater
from .inbox.verbs import HANDLERS, VerbHandler
from .origin import origin_problem
from .runtime import Federation
from .shapes import problem as shape_problem

log = logging.getLogger(__name__)

INBOX_MAX_ATTEMPTS = 6
PREPARE_CONCURRENCY = 8
# Activities per write transaction: a whole batch. Each transaction's cost is mostly fixed
# (its turn of the write lock, the lookups of a run of Creates, one statement per table for
# the run). Since the inbox's appends are grouped once they hold the lock and the next
# batch is claimed in the last transaction, one transaction a batch processes 7 % more
# than two of 25 during a flood and brings the 202's p99 down by a sixth, the appends
# waiting for one turn of the worker's rather than two (12 cut processing by a fifth;
# docs/performance.md, "One transaction a batch").
COMMIT_CHUNK = 50


@dataclass
class Work:
    """One queued activity on its way through the phases."""

    item: InboxItem
    activity_uri: str | None = None
    verb: Any = None
    handler: VerbHandler | None = None
    context: InboxContext | None = None
    prepared: Any = None
    # For a Create in a run of them: `create.plan_many`'s plan, made before the write
    # transaction (None: `apply` decides, in it).
    plan: create.Planned | None = None
    # None while it is to be applied; else "ignore", "retry" or "fail" with `reason`.
    outcome: str | None = None
    reason: str = ""

    def settle(self, outcome: str, reason: str) -> None:
        self.outcome, self.reason = outcome, reason


@dataclass
class QueueChanges:
    """What a chunk's write leaves to do to its queue rows: remove those done with (applied
    or ignored), and mark the others for a retry or failed."""

    done: list[int] = field(default_factory=list)
    retry: list[tuple[int, str, datetime]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)

    async def apply(self, conn) -> None:
        """Make the changes, in `conn`'s transaction on the queue's database."""
        await inbox_queue.complete_many(conn, self.done)
        for item_id, error, at in self.retry:
            await inbox_queue.retry_later(conn, item_id, error=error, at=at)
        for item_id, error in self.failed:
            await inbox_queue.fail(conn, item_id, error=error)


class InboxWorker:
    def __init__(self, federation: Federation, *, batch_size: int = 50):
        self.federation = federation
        self.batch_size = batch_size
        self.lease = timedelta(seconds=federation.config.queue_lease_seconds)
        # The next batch, claimed in the last write transaction of this one.
        self._ahead: list[InboxItem] | None = None

    async def run_once(self) -> int:
        """Process one batch of due activities; returns how many were taken."""
        db = self.federation.db
        if self._ahead is not None:
            items, self._ahead = self._ahead, None
        else:
            async with db.inbox.write() as conn:
                items = await inbox_queue.claim(conn, limit=self.batch_size, lease=self.lease)
        if not items:
            return 0
        batch = [Work(item) for item in items]
        async with db.read() as conn:
            await self._stage_all(conn, batch)
        semaphore = asyncio.Semaphore(PREPARE_CONCURRENCY)

        async def prepare(work: Work) -> None:
            async with semaphore:
                await self._prepare(work)

        await asyncio.gather(*(prepare(work) for work in batch if work.outcome is None))
        chunk = COMMIT_CHUNK
        starts = range(0, len(batch), chunk)
        async with db.read() as conn:
            runs = [await self._plan_runs(conn, batch[start : start + chunk]) for start in starts]
        for start, chunk_runs in zip(starts, runs, strict=True):
            last = start + chunk >= len(batch)
            ahead = None
            changes = QueueChanges()
            async with db.write() as conn:
                await self._commit_chunk(conn, batch[start : start + chunk], chunk_runs, changes)
                if not db.inbox_apart:
                    # In the chunk's transaction: a row goes exactly when its effects land.
                    ahead = await self._settle(conn, changes, claim=last)
            if db.inbox_apart:
                # Once the effects have landed: stopped before this, the rows come back
                # after their lease and are dropped as already received.
                async with db.inbox.write() as conn:
                    ahead = await self._settle(conn, changes, claim=last)
            self._ahead = ahead  # once committed: a rolled-back claim leased nothing
        # Handlers may have queued replies (an Accept for a Follow): send them now rather
        # than at the delivery worker's next poll.
        self.federation.outbox.wake()
        return len(items)

    async def _settle(self, conn, changes: QueueChanges, *, claim: bool) -> list[InboxItem] | None:
        """Change a chunk's queue rows and, after the last chunk (`claim`), claim the next
        batch in the same transaction rather than in one of its own. Each transaction is
        a turn of the queue's write lock, which on SQLite the inbox's appends take in
        between (docs/performance.md, "The next batch claimed ahead"). Not only after a
        full batch: while activities arrive about as fast as they are processed, batches
        come back short and the queue is never deep, and a claim of their own was a
        second turn for every other batch ("Runs of Creates planned before the write, and
        every batch claims the next"). The batch claimed, or None."""
        await changes.apply(conn)
        if not claim:
            return None
        items = await inbox_queue.claim(conn, limit=self.batch_size, lease=self.lease)
        return items or None

    async def close(self) -> None:
        """Give back a batch claimed ahead and not processed (the worker is stopping):
        due again at once, for this process's next start or another worker, rather than
        after its lease."""
        if self._ahead is None:
            return
        items, self._ahead = self._ahead, None
        async with self.federation.db.inbox.write() as conn:
            await inbox_queue.give_back(conn, [item.id for item in items])

    async def _stage_all(self, conn, batch: list[Work]) -> None:
        """Parse and check a batch, with one query for the ids already processed and one
        lookup per distinct sender (a burst usually comes from a few)."""
        activities = {}
        for work in batch:
            try:
                activity = loads_bounded(work.item.body)
            except MalformedJSON as exc:  # cannot happen for rows the inbox wrote; visible
                work.settle("fail", f"malformed JSON: {exc}")
                continue
            if problem := shape_problem(activity):
                # A row queued before the inbox checked shapes, or by another way in: the
                # handlers rely on the shape, so it goes no further (and is not recorded
                # as received: a well-formed copy may still come).
                work.settle("ignore", problem)
                continue
            work.activity_uri = work.item.activity_uri or activity.get("id")
            work.verb = activity["type"]
            activities[id(work)] = activity
        seen = await received_store.received_among(
            conn, [w.activity_uri for w in batch if id(w) in activities and w.activity_uri]
        )
        senders: dict[str, Actor | None] = {}
        for work in batch:
            activity = activities.get(id(work))
            if activity is None:
                continue
            if work.activity_uri in seen:
                work.settle("ignore", "already processed")
                continue
            sender_uri = work.item.actor_uri or ""
            if sender_uri not in senders:
                senders[sender_uri] = await actor_store.get_actor_by_uri(conn, sender_uri)
            self._stage(work, activity, senders[sender_uri])

    def _stage(self, work: Work, activity: dict[str, Any], actor: Actor | None) -> None:
        if actor is None or actor.gone_at is not None:
            work.settle("ignore", "the sending actor is unknown or gone")
        elif id_of(activity.get("actor")) != actor.uri:
            work.settle("ignore", "actor mismatch")
        elif problem := origin_problem(activity, actor.uri):
            work.settle("ignore", problem)
        elif (handler := HANDLERS.get(work.verb)) is None:
            work.settle("ignore", f"{work.verb} is not handled")
        else:
            work.handler = handler
            work.context = InboxContext(self.federation, activity, actor)

    async def _prepare(self, work: Work) -> None:
        assert work.handler is not None and work.context is not None
        try:
            work.prepared = await work.handler.prepare(work.context)
        except Ignored as reason:
            work.settle("ignore", str(reason))
        except RetryLater as exc:
            work.settle("retry", str(exc))
        except Exception as exc:  # a bug: keep the item, failed and visible
            log.exception("inbox: preparing %s %s failed", work.verb, work.activity_uri)
            work.settle("fail", f"{type(exc).__name__}: {exc}")

    async def _plan_runs(self, conn, chunk: list[Work]) -> list[list[Work]]:
        """Find the chunk's runs of Creates and plan them (`create.plan_many`) in a read,
        before the write transaction: the lookups were a sixth of the time the worker held
        the write lock, which the inbox's appends wait for (docs/performance.md, "Runs of
        Creates planned before the write"). What they found may change before the run is
        written; `_commit_creates` says how that is caught. Returns the runs."""
        runs = _runs_of_creates(chunk)
        for run in runs:
            plans = await create.plan_many(conn, [_run_item(work) for work in run])
            for work, plan in zip(run, plans, strict=True):
                work.plan = plan
        return runs

    async def _commit_chunk(
        self, conn, chunk: list[Work], runs: list[list[Work]], changes: QueueChanges
    ) -> None:
        """Apply a chunk in order: its `runs` of Creates together (`_commit_creates`),
        anything else one by one; what becomes of their queue rows goes in `changes`."""
        first_of = {id(run[0]): run for run in runs}
        start = 0
        while start < len(chunk):
            run = first_of.get(id(chunk[start]))
            if run is not None:
                await self._commit_creates(conn, run, changes)
                start += len(run)
            else:
                await self._commit(conn, chunk[start], changes)
                start += 1

    async def _commit_creates(self, conn, run: list[Work], changes: QueueChanges) -> None:
        """A run of Creates: those planned plain are stored together, the others one by
        one, each in its place.

        The plans were made before this transaction. A post stored meanwhile (another
        process fetched it) makes the run's INSERT fail: the run then goes one by one
        through `apply`, which checks everything again. A direct message's block is
        checked here only (`create.blocked_since`), not in the plan. A follow or a
        membership that changed in those milliseconds counts as if the activity had come
        a moment earlier."""
        plans = [
            None
            if work.plan is None or await create.blocked_since(conn, work.prepared, work.plan)
            else work.plan
            for work in run
        ]
        start = 0
        while start < len(run):
            if plans[start] is None:
                await self._commit(conn, run[start], changes)
                start += 1
                continue
            end = start
            while end < len(run) and plans[end] is not None:
                end += 1
            planned = [plan for plan in plans[start:end] if plan is not None]
            await self._commit_planned(conn, run[start:end], planned, changes)
            start = end

    async def _commit_planned(
        self, conn, works: list[Work], plans: list[create.Planned], changes: QueueChanges
    ) -> None:
        try:
            async with conn.begin_nested():
                fresh = await received_store.mark_received_many(
                    conn, [work.activity_uri or "" for work in works]
                )
                await create.apply_planned(
                    conn,
                    [
                        (*_run_item(work)[1:], plan)
                        for work, plan in zip(works, plans, strict=True)
                        if work.activity_uri in fresh
                    ],
                )
        except Exception:
            # A bug, or a race the lookups could not see (another worker on PostgreSQL):
            # nothing of the run was kept; one by one, a failure stays the activity's own.
            log.warning("inbox: a run of %d Creates goes one by one", len(works), exc_info=True)
            for work in works:
                await self._commit(conn, work, changes)
            return
        for work in works:
            if work.activity_uri not in fresh:
                work.settle("ignore", "already processed")
                log.info("inbox: %s %s ignored: %s", work.verb, work.activity_uri, work.reason)
            changes.done.append(work.item.id)

    async def _commit(self, conn, work: Work, changes: QueueChanges) -> None:
        """Apply one activity in its own savepoint, or record why not; what becomes of its
        queue row goes in `changes`."""
        item = work.item
        if work.outcome is None:
            try:
                async with conn.begin_nested():
                    if work.activity_uri and not await received_store.mark_received(
                        conn, work.activity_uri
                    ):
                        work.settle("ignore", "already processed")
                    else:
                        assert work.handler is not None and work.context is not None
                        await work.handler.apply(work.context, conn, work.prepared)
                        changes.done.append(item.id)
                        return
            except Ignored as reason:
                work.settle("ignore", str(reason))
            except Exception as exc:  # a bug: roll back this activity only, keep it visible
                log.exception("inbox: applying %s %s failed", work.verb, work.activity_uri)
                work.settle("fail", f"{type(exc).__name__}: {exc}")
        if work.outcome == "ignore":
            log.info("inbox: %s %s ignored: %s", work.verb, work.activity_uri, work.reason)
            if work.activity_uri:
                await received_store.mark_received(conn, work.activity_uri)
            changes.done.append(item.id)
        elif work.outcome == "retry" and item.attempts + 1 < INBOX_MAX_ATTEMPTS:
            at = utcnow() + timedelta(
                seconds=backoff_seconds(item.attempts, self.federation.config)
            )
            changes.retry.append((item.id, work.reason, at))
        else:
            changes.failed.append((item.id, work.reason))


def _plain_create(work: Work) -> bool:
    """A Create on its way to be applied, which `create.plan_many` may take in a run."""
    return (
        work.outcome is None
        and work.verb == "Create"
        and work.handler is HANDLERS["Create"]
        and bool(work.activity_uri)
        and isinstance(work.prepared, Authored)
    )


def _runs_of_creates(chunk: list[Work]) -> list[list[Work]]:
    """The chunk's runs of two or more plain Creates in a row, in order."""
    runs: list[list[Work]] = []
    start = 0
    while start < len(chunk):
        end = start
        while end < len(chunk) and _plain_create(chunk[end]):
            end += 1
        if end - start >= 2:
            runs.append(chunk[start:end])
        start = max(end, start + 1)
    return runs


def _run_item(work: Work) -> tuple[str, InboxContext, Authored]:
    assert work.activity_uri and work.context is not None  # as `_plain_create` found
    assert isinstance(work.prepared, Authored)
    return work.activity_uri, work.context, work.prepared
