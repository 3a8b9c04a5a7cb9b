"""New accounts' limits: during its first `new_account_days`, an account publishes at
most `new_account_posts_per_day` posts (notes, offers, requests, events) and
`new_account_messages_per_day` private messages in any 24 hours (0 lifts a limit).

Checked where every post of ours is made (`publishing.publish`), so the web app, the
client API and `fedlocal post` meet the same limit. The count is read from the posts
themselves inside the publishing transaction, the account's row held meanwhile: two
processes publishing for one account at once cannot both slip under it. Admins,
moderators and verified organisations are not limited (`_exempt`).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account, Actor
from ..store import recent_posts
from ..store import vouches as vouch_store
from ..store.clock import utcnow
from .context import ServiceContext
from .errors import InvalidInput

WINDOW = timedelta(hours=24)
Kind = Literal["post", "message"]


class NewAccountLimit(InvalidInput):
    """A new account reached its daily limit: `until` (UTC) is when it may publish
    again, `retry_after` the seconds until then."""

    status = 429

    def __init__(
        self,
        *,
        kind: Kind,
        limit: int,
        days: int,
        until: datetime,
        now: datetime,
        timezone: str,
    ):
        what, verb = ("posts", "publish") if kind == "post" else ("private messages", "write")
        super().__init__(
            f"the limit for new accounts is reached ({what}: %(limit)s in 24 hours during "
            f"the first %(days)s days); you can {verb} again from %(when)s",
            days=days,
            limit=limit,
            when=f"{until:%Y-%m-%d %H:%M} UTC",
        )
        self.kind = kind
        self.limit = limit
        self.days = days
        self.until = until
        self.timezone = timezone
        self.retry_after = max(1, math.ceil((until - now).total_seconds()))


def _exempt(account: Account, actor: Actor) -> bool:
    """Admins and moderators are trusted, and so are verified organisations."""
    return account.is_staff or actor.organization_type is not None


def _limit(ctx: ServiceContext, kind: Kind) -> int:
    config = ctx.config
    if kind == "post":
        return config.new_account_posts_per_day
    return config.new_account_messages_per_day


async def check(ctx: ServiceContext, conn: AsyncConnection, author: Actor, kind: Kind) -> None:
    """Raise NewAccountLimit when `author`'s account may not publish one more `kind` now.
    Call inside the transaction that publishes: it holds the account's row."""
    days = ctx.config.new_account_days
    limit = _limit(ctx, kind)
    if days == 0 or limit == 0 or not author.is_local:
        return
    account = await vouch_store.lock_account_of_actor(conn, author.id)
    if account is None or _exempt(account, author):
        return  # a group, the community: no account of their own to limit
    now = utcnow()
    grown_up = account.created_at + timedelta(days=days)
    if grown_up <= now:
        return
    count, oldest = await recent_posts.count_since(
        conn, author.id, since=now - WINDOW, direct=kind == "message"
    )
    if count < limit or oldest is None:
        return
    raise NewAccountLimit(
        kind=kind,
        limit=limit,
        days=days,
        until=min(oldest + WINDOW, grown_up),
        now=now,
        timezone=ctx.config.timezone,
    )
