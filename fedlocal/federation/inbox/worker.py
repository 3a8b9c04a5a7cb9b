"""The inbox worker: takes verified activities from the inbox queue and applies them.

Idempotent by activity id: the id is recorded in the same transaction as the effect and
the queue row's removal, so an activity delivered twice (or a worker that crashes
half-way) has exactly one effect.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from types import ModuleType

from activitypub.addressing import id_of
from activitypub.jsonutil import MalformedJSON, loads_bounded

from ...store import actors as actor_store
from ...store import inbox_queue
from ...store import received as received_store
from ...store.clock import utcnow
from ...store.inbox_queue import InboxItem
from ..backoff import backoff_seconds
from ..origin import origin_problem
from ..runtime import Federation
from . import accept, announce, create, delete, follow, reject, undo, update
from .context import Ignored, InboxContext, RetryLater

log = logging.getLogger(__name__)

HANDLERS: dict[str, ModuleType] = {
    "Follow": follow,
    "Accept": accept,
    "Reject": reject,
    "Undo": undo,
    "Create": create,
    "Update": update,
    "Delete": delete,
    "Announce": announce,
}
INBOX_MAX_ATTEMPTS = 6


class InboxWorker:
    def __init__(self, federation: Federation, *, batch_size: int = 50):
        self.federation = federation
        self.batch_size = batch_size
        self.lease = timedelta(minutes=5)

    async def run_once(self) -> int:
        """Process one batch of due activities; returns how many were taken."""
        db = self.federation.db
        async with db.write() as conn:
            items = await inbox_queue.claim(conn, limit=self.batch_size, lease=self.lease)
        for item in items:
            await self._process(item)
        if items:
            # Handlers may have queued replies (an Accept for a Follow): send them now
            # rather than at the delivery worker's next poll.
            self.federation.outbox.wake()
        return len(items)

    async def _process(self, item: InboxItem) -> None:
        db = self.federation.db
        try:
            activity = loads_bounded(item.body)
        except MalformedJSON as exc:  # cannot happen for rows the inbox wrote; kept visible
            async with db.write() as conn:
                await inbox_queue.fail(conn, item.id, error=f"malformed JSON: {exc}")
            return
        activity_uri = item.activity_uri or activity.get("id")
        verb = activity.get("type")
        try:
            async with db.read() as conn:
                if activity_uri and await received_store.was_received(conn, activity_uri):
                    raise Ignored("already processed")
                actor = await actor_store.get_actor_by_uri(conn, item.actor_uri or "")
            if actor is None or actor.gone_at is not None:
                raise Ignored("the sending actor is unknown or gone")
            if id_of(activity.get("actor")) != actor.uri:
                raise Ignored("actor mismatch")
            problem = origin_problem(activity, actor.uri)
            if problem:
                raise Ignored(problem)
            handler = HANDLERS.get(verb)
            if handler is None:
                raise Ignored(f"{verb} is not handled")
            context = InboxContext(self.federation, activity, actor)
            prepare = getattr(handler, "prepare", None)
            prepared = await prepare(context) if prepare else None
            async with db.write() as conn:
                if activity_uri and not await received_store.mark_received(conn, activity_uri):
                    await inbox_queue.complete(conn, item.id)
                    return
                await handler.apply(context, conn, prepared)
                await inbox_queue.complete(conn, item.id)
        except Ignored as reason:
            log.info("inbox: %s %s ignored: %s", verb, activity_uri, reason)
            async with db.write() as conn:
                if activity_uri:
                    await received_store.mark_received(conn, activity_uri)
                await inbox_queue.complete(conn, item.id)
        except RetryLater as exc:
            await self._retry(item, str(exc))
        except Exception as exc:  # a bug: keep the item, failed and visible, and go on
            log.exception("inbox: %s %s failed", verb, activity_uri)
            async with db.write() as conn:
                await inbox_queue.fail(conn, item.id, error=f"{type(exc).__name__}: {exc}")

    async def _retry(self, item: InboxItem, error: str) -> None:
        config = self.federation.config
        async with self.federation.db.write() as conn:
            if item.attempts + 1 >= INBOX_MAX_ATTEMPTS:
                await inbox_queue.fail(conn, item.id, error=error)
                return
            at = utcnow() + timedelta(seconds=backoff_seconds(item.attempts, config))
            await inbox_queue.retry_later(conn, item.id, error=error, at=at)
