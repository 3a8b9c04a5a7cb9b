"""Bookmarks: a resident keeps posts they may see to find them again (private, never
federated; a post they can no longer see drops out of the list)."""

from __future__ import annotations

from ..boundary.paging import PageQuery
from ..models import Actor, Post
from ..store import bookmarks as bookmark_store
from . import timelines
from .context import ServiceContext
from .views import PostView
from .visibility import visible_post


async def bookmark(ctx: ServiceContext, actor: Actor, post_id: int) -> Post:
    async with ctx.db.write() as conn:
        post, _author = await visible_post(ctx, actor, post_id, conn=conn)
        await bookmark_store.add(conn, actor.id, post.id)
    return post


async def unbookmark(ctx: ServiceContext, actor: Actor, post_id: int) -> Post:
    async with ctx.db.write() as conn:
        post, _author = await visible_post(ctx, actor, post_id, conn=conn)
        await bookmark_store.remove(conn, actor.id, post.id)
    return post


async def bookmarked(
    ctx: ServiceContext, viewer: Actor, page: PageQuery
) -> list[tuple[int, PostView]]:
    """(bookmark id, status) of the viewer's bookmarks, newest first."""
    async with ctx.db.read() as conn:
        pairs = await bookmark_store.list_of_actor(
            conn, viewer.id, max_id=page.max_id, min_id=page.min_id, limit=page.limit
        )
        return await timelines.paired_views(conn, viewer, pairs)
