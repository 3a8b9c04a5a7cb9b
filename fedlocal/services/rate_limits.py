"""Sliding-window rate limits shared by every process on the database: at most `limit`
events per `window` for one key (a client's address), counted in `store/rate_events.py`
under a keyed hash, so web processes behind one port, or on several machines, enforce one
limit together (docs/operations.md#several-processes).

The limits: sign-ups through the client API per address, and lookups of visitors' own
servers ("follow from your own server", which makes us fetch from any host named).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from ..clock import utcnow
from ..store import rate_events
from .context import ServiceContext
from .login import keyed_hash


@dataclass(frozen=True)
class RateLimit:
    """`limit` events per `window` for each key of `scope`."""

    scope: str
    limit: int
    window: timedelta


# A household signing up its members fits, a script does not.
API_SIGN_UPS = RateLimit("api-sign-up", 5, timedelta(minutes=30))
# A few lookups a minute per address are plenty for a person.
REMOTE_LOOKUPS = RateLimit("remote-lookup", 10, timedelta(minutes=1))
# The longest window: older events count for no limit (the maintenance round purges).
LONGEST_WINDOW = max(API_SIGN_UPS.window, REMOTE_LOOKUPS.window)


async def allow(ctx: ServiceContext, rate: RateLimit, key: str) -> float:
    """Count one event for `key` if within the limit and answer 0; else count nothing
    and answer the seconds until the key may act again (at least 1)."""
    key_hash = keyed_hash(ctx, rate.scope, key)
    now = utcnow()
    async with ctx.db.write() as conn:
        await rate_events.lock(conn, rate.scope, key_hash)
        count, oldest = await rate_events.recent(
            conn, rate.scope, key_hash, since=now - rate.window
        )
        if count >= rate.limit and oldest is not None:
            return max(1.0, math.ceil((oldest + rate.window - now).total_seconds()))
        await rate_events.add(conn, rate.scope, key_hash, at=now)
    return 0.0
