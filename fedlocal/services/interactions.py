"""Who liked or boosted a post ("favourited by", "boosted by"): the same people its
counts count (`views.posts`). The automatic shares of our community and groups are not
boosts (`store.announces.SHARING_ROLES`): neither counted, listed nor notified."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from ..boundary.paging import PageQuery
from ..models import Actor
from ..store import announces as announce_store
from ..store import favourites as favourite_store
from ..store import timelines as timeline_store
from . import views
from .context import ServiceContext
from .views import AccountView
from .visibility import visible_post

Rows = Callable[..., Awaitable[list[tuple[int, int]]]]


async def favourited_by(
    ctx: ServiceContext, viewer: Actor | None, post_id: int, page: PageQuery
) -> list[tuple[int, AccountView]]:
    """(favourite id, account) of those who liked the post, newest first."""
    return await _people(ctx, viewer, post_id, page, favourite_store.likers_of)


async def reblogged_by(
    ctx: ServiceContext, viewer: Actor | None, post_id: int, page: PageQuery
) -> list[tuple[int, AccountView]]:
    """(announce id, account) of those who boosted the post, newest first."""
    return await _people(ctx, viewer, post_id, page, announce_store.boosters_of)


async def _people(
    ctx: ServiceContext, viewer: Actor | None, post_id: int, page: PageQuery, rows: Rows
) -> list[tuple[int, AccountView]]:
    async with ctx.db.read() as conn:
        post, _author = await visible_post(ctx, viewer, post_id, conn=conn)
        found = await rows(conn, post.id, max_id=page.max_id, min_id=page.min_id, limit=page.limit)
        return await _accounts(conn, found)


async def _accounts(
    conn: AsyncConnection, found: list[tuple[int, int]]
) -> list[tuple[int, AccountView]]:
    actors = await timeline_store.actors_by_ids(conn, [actor_id for _r, actor_id in found])
    shown = {v.actor.id: v for v in await views.accounts(conn, list(actors.values()))}
    return [(row, shown[actor_id]) for row, actor_id in found if actor_id in shown]
