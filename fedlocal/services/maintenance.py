"""Housekeeping that runs on a timer inside `serve`: expiring old offers and requests,
reminding of loans due tomorrow and flagging overdue ones, forgetting activity ids too
old to be delivered again, failed logins older than the login limit's window, pictures
uploaded a day ago and never posted, and the oldest copies of other servers' pictures past
the cache's limit."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..store import login_attempts as attempt_store
from ..store import received as received_store
from ..store.clock import utcnow
from . import remote_media
from .context import ServiceContext
from .group_purchases import settle_due
from .listings import expire_due
from .loans import remind_and_flag_overdue
from .login import WINDOW as LOGIN_WINDOW
from .media import sweep_waiting

# Senders retry for days at most (Mastodon: about a week); ids older than this cannot
# come back, so the idempotency record need not keep them.
RECEIVED_RETENTION = timedelta(days=30)
INTERVAL_SECONDS = 60.0


class MaintenanceWorker:
    def __init__(self, ctx: ServiceContext):
        self.ctx = ctx

    async def run_once(self, now: datetime | None = None) -> int:
        """One round of housekeeping; returns how many things it changed."""
        now = now or utcnow()
        expired = await expire_due(self.ctx, now=now)
        settled = await settle_due(self.ctx, now=now)
        loans = await remind_and_flag_overdue(self.ctx, now=now)
        async with self.ctx.db.write() as conn:
            pruned = await received_store.prune_received(conn, now - RECEIVED_RETENTION)
            # A login attempt only counts within the window: past it, keep nothing.
            forgotten = await attempt_store.purge(conn, before=now - LOGIN_WINDOW)
        swept = await sweep_waiting(self.ctx, now)
        evicted = await remote_media.evict(self.ctx)
        return expired + settled + loans + pruned + forgotten + swept + evicted
