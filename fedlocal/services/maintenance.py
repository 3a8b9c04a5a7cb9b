"""Housekeeping that runs on a timer inside `serve`: expiring old offers and requests,
closing rides whose last date has passed, reminding of loans due tomorrow and flagging
overdue ones, forgetting activity ids too old to be delivered again, failed logins older
than the login limit's window, pictures uploaded a day ago and never posted, the oldest
copies of other servers' pictures past the cache's limit, (data minimisation) browser
sessions past their end and notifications older than `notification_retention_days`, and
Web Push messages given up on a week ago, and residents' data downloads past their days.

Every process running workers has the timer; `run_round` leaves the round to whichever
process holds its lease, so rounds never overlap and come once per interval however many
processes share the database."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from ..store import job_leases, rate_events
from ..store import login_attempts as attempt_store
from ..store import notifications as notification_store
from ..store import push as push_store
from ..store import received as received_store
from ..store import sessions as session_store
from ..store.clock import utcnow
from . import remote_media
from .context import ServiceContext
from .data_exports import remove_expired as remove_expired_exports
from .group_purchases import settle_due
from .listings import expire_due
from .loans import remind_and_flag_overdue
from .login import WINDOW as LOGIN_WINDOW
from .media import sweep_waiting
from .rate_limits import LONGEST_WINDOW as RATE_WINDOW
from .rides import close_departed

# Senders retry for days at most (Mastodon: about a week); ids older than this cannot
# come back, so the idempotency record need not keep them.
RECEIVED_RETENTION = timedelta(days=30)
# A push that could not be sent is worth nothing a week later.
DEAD_PUSH_RETENTION = timedelta(days=7)
INTERVAL_SECONDS = 60.0
# A round's lease: past it, a round whose process died is taken over by another process.
ROUND_LEASE = timedelta(minutes=10)
# Timers of several processes drift: a round is due a little before a full interval.
ROUND_EVERY = timedelta(seconds=INTERVAL_SECONDS * 0.9)
LEASE_NAME = "maintenance"
# A used form token is kept as long as the token itself could be sent (web/csrf.py).
FORM_TOKEN_LIFETIME = timedelta(hours=12)


class MaintenanceWorker:
    def __init__(self, ctx: ServiceContext):
        self.ctx = ctx
        # Who holds the round's lease: this process (and this worker, if a test runs two).
        self.holder = f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    async def run_round(self, now: datetime | None = None) -> int:
        """`run_once`, if no other process on the database runs a round now or ran one
        less than an interval ago (`store/job_leases.py`); returns what it changed, 0
        when it left the round to another process."""
        began = now or utcnow()
        async with self.ctx.db.write() as conn:
            taken = await job_leases.take(
                conn,
                LEASE_NAME,
                holder=self.holder,
                now=began,
                lease=ROUND_LEASE,
                every=ROUND_EVERY,
            )
        if not taken:
            return 0
        try:
            return await self.run_once(now)
        finally:
            async with self.ctx.db.write() as conn:
                await job_leases.release(conn, LEASE_NAME, holder=self.holder, began_at=began)

    async def run_once(self, now: datetime | None = None) -> int:
        """One round of housekeeping; returns how many things it changed."""
        now = now or utcnow()
        expired = await expire_due(self.ctx, now=now)
        settled = await settle_due(self.ctx, now=now)
        settled += await close_departed(self.ctx, now=now)
        loans = await remind_and_flag_overdue(self.ctx, now=now)
        async with self.ctx.db.write() as conn:
            pruned = await received_store.prune_received(conn, now - RECEIVED_RETENTION)
            # A login attempt only counts within the window: past it, keep nothing.
            forgotten = await attempt_store.purge(conn, before=now - LOGIN_WINDOW)
            # A session ends `session_retention_days` after its last use (web/auth.py).
            sessions = await session_store.purge(
                conn, now=now, tokens_used_before=now - FORM_TOKEN_LIFETIME
            )
            keep_days = timedelta(days=self.ctx.config.notification_retention_days)
            notifications = await notification_store.purge_older_than(conn, now - keep_days)
            forgotten += await push_store.purge_dead(conn, before=now - DEAD_PUSH_RETENTION)
            forgotten += await rate_events.purge(conn, before=now - RATE_WINDOW)
        swept = await sweep_waiting(self.ctx, now)
        evicted = await remote_media.evict(self.ctx)
        evicted += await remove_expired_exports(self.ctx, now)
        return (
            expired
            + settled
            + loans
            + pruned
            + forgotten
            + sessions
            + notifications
            + swept
            + evicted
        )
