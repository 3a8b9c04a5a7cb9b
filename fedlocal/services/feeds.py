"""What the instance's feeds hold: its recent public posts (Atom) and its events
(iCalendar), each with its author, and the moment they were read."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..models import EventDetails
from ..store import feeds as feed_store
from ..store import group_purchases as purchase_store
from ..store.clock import utcnow
from ..store.feeds import FeedItem as FeedItem  # what the feed routes render
from .context import ServiceContext
from .errors import NotFound
from .events import MAX_AHEAD
from .limits import hidden_authors
from .visibility import visible_post

# The calendar starts a day back, so what happened today and yesterday evening stays.
CALENDAR_LOOKBACK = timedelta(days=1)
# And it ends as far ahead as our residents may date an event: a neighbour's event dated
# further is more likely a typing mistake than a plan.
CALENDAR_AHEAD = MAX_AHEAD


@dataclass(frozen=True)
class Snapshot:
    """Posts as a feed shows them. `read_at` dates the document (an empty Atom feed's
    `updated`, every event's DTSTAMP), so it agrees with the window the calendar read."""

    items: list[FeedItem]
    read_at: datetime


async def recent(
    ctx: ServiceContext, *, category: str | None, max_id: int | None, limit: int
) -> Snapshot:
    """Public local posts that are not replies, newest first, optionally of one category;
    `max_id` continues from a previous page."""
    async with ctx.db.read() as conn:
        items = await feed_store.recent_posts(
            conn,
            category=category,
            max_id=max_id,
            limit=limit,
            hidden_authors=await hidden_authors(ctx, None),
        )
    return Snapshot(items, utcnow())


async def calendar(ctx: ServiceContext, *, local_only: bool) -> Snapshot:
    """Public events still running or to come (from a day back), by start time; only ours
    when `local_only`, ours and our neighbours' otherwise."""
    now = utcnow()
    since, until = now - CALENDAR_LOOKBACK, now + CALENDAR_AHEAD
    async with ctx.db.read() as conn:
        items = await feed_store.upcoming_events(
            conn, since=since, until=until, local_only=local_only
        )
        pickups = await purchase_store.upcoming_pickups(conn, since=since, until=until)
    # A group purchase's pickup is on the calendar as an event at its pickup time.
    items += [
        replace(
            item,
            post=replace(
                item.post,
                event=EventDetails(
                    starts_at=purchase.pickup_at,
                    timezone=ctx.config.timezone,
                    status="cancelled" if purchase.state == "cancelled" else "confirmed",
                ),
            ),
        )
        for item, purchase in pickups
    ]
    items.sort(key=lambda item: item.post.event.starts_at if item.post.event else now)
    return Snapshot(items, now)


async def event(ctx: ServiceContext, post_id: int) -> Snapshot | None:
    """One of our events as its own URL shares it (to anyone: public or unlisted), or None."""
    try:
        post, author = await visible_post(ctx, None, post_id)
    except NotFound:
        return None
    if not post.is_local or post.kind != "event" or post.event is None:
        return None
    return Snapshot([FeedItem(post, author)], utcnow())
