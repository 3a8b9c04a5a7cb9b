"""Hashtags as apps show them: a tag's use over the last week, and the tags a resident
follows (their posts come into the resident's home timeline and user stream)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..boundary.paging import PageQuery
from ..formatting import normalise_hashtag
from ..models import Actor
from ..store import followed_tags as tag_store
from ..store.clock import utcnow
from .context import ServiceContext
from .errors import InvalidInput

HISTORY_DAYS = 7
MAX_TAG = 100


@dataclass(frozen=True)
class DayOfUse:
    day: date
    uses: int
    accounts: int


@dataclass(frozen=True)
class TagView:
    name: str  # as asked for, or as followed
    history: tuple[DayOfUse, ...] = ()
    following: bool = False


def _checked(name: str) -> tuple[str, str]:
    """(name as given without `#`, folded form), or InvalidInput."""
    shown = name.strip().lstrip("#")
    if not shown or len(shown) > MAX_TAG or not all(c.isalnum() or c == "_" for c in shown):
        raise InvalidInput("a hashtag is letters, digits and _", field="name")
    return shown, normalise_hashtag(shown)


async def tag(ctx: ServiceContext, viewer: Actor | None, name: str) -> TagView:
    """A hashtag, its public use by day over the last week (newest day first), and
    whether the viewer follows it."""
    shown, folded = _checked(name)
    midnight = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    async with ctx.db.read() as conn:
        uses = await tag_store.uses_since(conn, folded, midnight - timedelta(days=HISTORY_DAYS - 1))
        following = (
            bool(await tag_store.followed_among(conn, viewer.id, [folded])) if viewer else False
        )
    days = []
    for offset in range(HISTORY_DAYS):
        day = midnight.date() - timedelta(days=offset)
        that_day = [author for published, author in uses if published.date() == day]
        days.append(DayOfUse(day, len(that_day), len(set(that_day))))
    return TagView(shown, tuple(days), following)


async def follow(ctx: ServiceContext, actor: Actor, name: str) -> TagView:
    shown, folded = _checked(name)
    async with ctx.db.write() as conn:
        await tag_store.follow(conn, actor.id, folded, shown)
    return await tag(ctx, actor, shown)


async def unfollow(ctx: ServiceContext, actor: Actor, name: str) -> TagView:
    shown, folded = _checked(name)
    async with ctx.db.write() as conn:
        await tag_store.unfollow(conn, actor.id, folded)
    return await tag(ctx, actor, shown)


async def followed(ctx: ServiceContext, actor: Actor, page: PageQuery) -> list[tuple[int, TagView]]:
    """(row id, tag) of the hashtags `actor` follows, newest first."""
    async with ctx.db.read() as conn:
        found = await tag_store.followed_by(
            conn, actor.id, max_id=page.max_id, min_id=page.min_id, limit=page.limit
        )
    return [(row, TagView(name, (), True)) for row, name in found]
