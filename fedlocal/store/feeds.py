"""Posts for the instance's feeds: Atom (newest first, paged by id) and iCalendar (events
by start time). Only public, undeleted posts; every query is bounded.

Each post comes with its author (one join), since both formats name who published it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post
from .actors import actor_from_prefixed, prefixed_actor_columns
from .post_columns import post_from_row
from .tables import actors, objects

# Hard ceilings whatever the caller asks: a feed request never reads an unbounded table.
MAX_FEED_ENTRIES = 100
MAX_CALENDAR_EVENTS = 500
# An event that began longer ago than this is no longer listed, even if still running.
LONGEST_EVENT = timedelta(days=90)

# `objects` already has an `actor_id` column, so the joined author takes another prefix.
_AUTHOR = "author_"


@dataclass(frozen=True)
class FeedItem:
    post: Post
    author: Actor


def _with_author() -> Select[Any]:
    return select(objects, *prefixed_actor_columns(_AUTHOR)).join(
        actors, actors.c.id == objects.c.actor_id
    )


def _item(row: Row[Any]) -> FeedItem:
    return FeedItem(post_from_row(row), actor_from_prefixed(row, _AUTHOR))


def _listed(local_only: bool) -> list[ColumnElement[bool]]:
    """Posts anyone may see listed: public (not unlisted), not deleted."""
    conditions = [objects.c.visibility == "public", objects.c.deleted_at.is_(None)]
    if local_only:
        conditions.append(objects.c.is_local.is_(True))
    return conditions


async def recent_posts(
    conn: AsyncConnection,
    *,
    category: str | None = None,
    kinds: Sequence[str] | None = None,
    local_only: bool = True,
    max_id: int | None = None,
    limit: int = 50,
    hidden_authors: Select[Any] | None = None,
) -> list[FeedItem]:
    """Public posts, newest first; `max_id` continues from a previous page; none by
    `hidden_authors` (store/moderation.hidden_authors).

    Replies are left out: a feed of the quarter lists what people publish, not the
    fragments of their conversations.
    """
    query = (
        _with_author()
        .where(*_listed(local_only), objects.c.in_reply_to_uri.is_(None))
        .order_by(objects.c.id.desc())
        .limit(max(1, min(limit, MAX_FEED_ENTRIES)))
    )
    if category is not None:
        query = query.where(objects.c.category == category)
    if kinds is not None:
        query = query.where(objects.c.kind.in_(kinds))
    if max_id is not None:
        query = query.where(objects.c.id < max_id)
    if hidden_authors is not None:
        query = query.where(objects.c.actor_id.not_in(hidden_authors))
    return [_item(row) for row in await conn.execute(query)]


async def upcoming_events(
    conn: AsyncConnection,
    *,
    since: datetime,
    until: datetime | None = None,
    local_only: bool = True,
    category: str | None = None,
    limit: int = MAX_CALENDAR_EVENTS,
) -> list[FeedItem]:
    """Public events running at `since` or later (and starting by `until`), by start time.
    Cancelled ones are included, so a subscribed calendar learns of the cancellation."""
    query = (
        _with_author()
        .where(
            *_listed(local_only),
            objects.c.kind == "event",
            # The range keeps the starts_at index useful; the second test keeps events
            # that began before `since` and are still running.
            objects.c.starts_at >= since - LONGEST_EVENT,
            or_(objects.c.starts_at >= since, objects.c.ends_at >= since),
        )
        .order_by(objects.c.starts_at, objects.c.id)
        .limit(max(1, min(limit, MAX_CALENDAR_EVENTS)))
    )
    if category is not None:
        query = query.where(objects.c.category == category)
    if until is not None:
        query = query.where(objects.c.starts_at <= until)
    return [_item(row) for row in await conn.execute(query)]
