"""Reading for the client API: timelines, single statuses and their threads, accounts
and their follows, relationships and favourites — each already checked against what the
viewer may see (services/visibility.py), and gathered into views (services/views.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from ..boundary.paging import PageQuery
from ..models import Actor, Announce, Post
from ..store import actors as actor_store
from ..store import blocks as block_store
from ..store import favourites as favourite_store
from ..store import pins as pin_store
from ..store import posts as post_store
from ..store import timelines as timeline_store
from . import filters, views
from . import nearby as nearby_service
from .context import ServiceContext
from .errors import NotFound
from .limits import hidden_authors
from .views import AccountView, BoostView, PostView
from .visibility import is_our_resident, visible_post

MAX_THREAD = 60


@dataclass(frozen=True)
class Relationship:
    id: int
    following: bool = False
    requested: bool = False
    followed_by: bool = False
    requested_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    domain_blocking: bool = False


async def home(ctx: ServiceContext, viewer: Actor, page: PageQuery) -> list[PostView]:
    async with ctx.db.read() as conn:
        shown = await views.posts(conn, viewer, await timeline_store.home(conn, viewer.id, page))
        return await filters.apply(conn, viewer, shown, "home")


async def public(
    ctx: ServiceContext, viewer: Actor | None, page: PageQuery, *, local: bool, remote: bool
) -> list[PostView]:
    async with ctx.db.read() as conn:
        found = await timeline_store.public(
            conn,
            page,
            local=local,
            remote=remote,
            local_only_too=is_our_resident(viewer) and not remote,
            viewer_id=viewer.id if viewer is not None else None,
            hidden_authors=await hidden_authors(ctx, viewer),
        )
        return await filters.apply(conn, viewer, await views.posts(conn, viewer, found), "public")


async def tag(
    ctx: ServiceContext,
    viewer: Actor | None,
    hashtags: Sequence[str],
    page: PageQuery,
    *,
    local: bool,
    remote: bool,
) -> list[PostView]:
    async with ctx.db.read() as conn:
        found = await timeline_store.tagged(
            conn,
            hashtags,
            page,
            local=local,
            remote=remote,
            viewer_id=viewer.id if viewer is not None else None,
            hidden_authors=await hidden_authors(ctx, viewer),
        )
        return await filters.apply(conn, viewer, await views.posts(conn, viewer, found), "public")


async def nearby(
    ctx: ServiceContext,
    viewer: Actor | None,
    page: PageQuery,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    quarter: str | None = None,
    radius_km: float | None = None,
    kinds: Sequence[str] | None = None,
) -> list[PostView]:
    """Offers, requests and events near a point or a quarter, newest first; by default
    around the instance's own centre, over its radius."""
    if latitude is None and longitude is None and not quarter:
        latitude, longitude = ctx.config.latitude, ctx.config.longitude
    radius = radius_km or min(ctx.config.radius_km, nearby_service.MAX_RADIUS_KM)
    limit = max(1, min(page.limit, nearby_service.MAX_LIMIT))
    items = await nearby_service.nearby(
        ctx,
        latitude=latitude,
        longitude=longitude,
        quarter=quarter,
        radius_km=radius,
        kinds=kinds,
        max_id=page.max_id,
        limit=limit,
        include_local_only=is_our_resident(viewer),
        hidden=await hidden_authors(ctx, viewer),
    )
    newer_than = page.min_id if page.min_id is not None else page.since_id
    found = [item.post for item in items if newer_than is None or item.post.id > newer_than]
    async with ctx.db.read() as conn:
        return await filters.apply(conn, viewer, await views.posts(conn, viewer, found), "public")


async def status(ctx: ServiceContext, viewer: Actor | None, post_id: int) -> PostView:
    async with ctx.db.read() as conn:
        post, _author = await visible_post(ctx, viewer, post_id, conn=conn)
        view = await views.post(conn, viewer, post)
    assert view is not None, "views show what visible_post finds"
    return view


async def statuses(ctx: ServiceContext, viewer: Actor | None, ids: Sequence[int]) -> list[PostView]:
    """The statuses among `ids` the viewer may see, in the order asked (others left out)."""
    async with ctx.db.read() as conn:
        found = await timeline_store.posts_by_ids(conn, ids)
        shown = {v.post.id: v for v in await views.posts(conn, viewer, list(found.values()))}
    return [shown[i] for i in dict.fromkeys(ids) if i in shown]


async def context(
    ctx: ServiceContext, viewer: Actor | None, post_id: int
) -> tuple[list[PostView], list[PostView]]:
    """(ancestors oldest first, descendants in thread order) of a status we hold."""
    async with ctx.db.read() as conn:
        post, _author = await visible_post(ctx, viewer, post_id, conn=conn)
        ancestors: list[Post] = []
        parent_uri = post.in_reply_to_uri
        seen = {post.uri}
        while parent_uri and parent_uri not in seen and len(ancestors) < MAX_THREAD:
            seen.add(parent_uri)
            parent = await post_store.get_post_by_uri(conn, parent_uri)
            if parent is None or parent.is_deleted:
                break
            ancestors.append(parent)
            parent_uri = parent.in_reply_to_uri
        ancestors.reverse()
        descendants: list[Post] = []
        frontier = [post.uri]
        while frontier and len(descendants) < MAX_THREAD:
            children = await timeline_store.replies(
                conn, frontier, limit=MAX_THREAD - len(descendants)
            )
            children = [c for c in children if c.uri not in seen]
            seen.update(c.uri for c in children)
            descendants.extend(children)
            frontier = [c.uri for c in children]
        return (
            await filters.apply(conn, viewer, await views.posts(conn, viewer, ancestors), "thread"),
            await filters.apply(
                conn, viewer, await views.posts(conn, viewer, descendants), "thread"
            ),
        )


async def account(ctx: ServiceContext, actor_id: int) -> AccountView:
    async with ctx.db.read() as conn:
        actor = await actor_store.get_actor(conn, actor_id)
        if actor is None or actor.role == "instance" or actor.gone_at is not None:
            raise NotFound("Record not found")
        return await views.account(conn, actor)


async def lookup(ctx: ServiceContext, acct: str) -> AccountView:
    """An account by `user` (ours) or `user@host`, from what we know (no fetching)."""
    handle = acct.strip().lstrip("@")
    user, _, host = handle.partition("@")
    async with ctx.db.read() as conn:
        if not host or host.lower() == ctx.config.domain:
            actor = await actor_store.get_local_actor(conn, user)
        else:
            actor = await actor_store.find_remote_actor(conn, user, host)
        if actor is None or actor.role == "instance":
            raise NotFound("Record not found")
        return await views.account(conn, actor)


async def account_statuses(
    ctx: ServiceContext,
    viewer: Actor | None,
    actor_id: int,
    page: PageQuery,
    *,
    exclude_replies: bool = False,
    tagged: str | None = None,
) -> list[PostView]:
    await account(ctx, actor_id)
    async with ctx.db.read() as conn:
        visibilities = ["public", "unlisted", "local"]
        if viewer is not None:
            if viewer.id == actor_id:
                visibilities += ["followers", "direct"]
            elif (await timeline_store.follow_states(conn, viewer.id, [actor_id])).get(
                actor_id
            ) == "accepted":
                visibilities.append("followers")
        found = await timeline_store.by_actor(
            conn,
            actor_id,
            page,
            visibilities=visibilities,
            exclude_replies=exclude_replies,
            hashtag=tagged,
        )
        # A profile lists its owner's posts even for a viewer who mutes them (Mastodon
        # does); an owner who blocks the viewer shows them nothing.
        shown = await views.posts(conn, viewer, found, listing=False)
        if viewer is not None and viewer.id == actor_id:
            return shown
        return await filters.apply(conn, viewer, shown, "account")


async def pinned_statuses(
    ctx: ServiceContext, viewer: Actor | None, actor_id: int
) -> list[PostView]:
    """The account's pinned posts the viewer may see, the latest pinned first
    (`?pinned=true`: one page, as Mastodon lists at most five)."""
    await account(ctx, actor_id)
    async with ctx.db.read() as conn:
        found = await pin_store.pinned_posts(conn, actor_id)
        return await views.posts(conn, viewer, found)


async def follows(
    ctx: ServiceContext, actor_id: int, page: PageQuery, *, direction: str
) -> list[tuple[int, AccountView]]:
    """(follow id, account) of an account's followers or followed accounts."""
    await account(ctx, actor_id)
    async with ctx.db.read() as conn:
        pairs = await timeline_store.follows_page(conn, actor_id, page, direction=direction)
        found = await views.accounts(conn, [actor for _id, actor in pairs])
        return [(follow_id, view) for (follow_id, _a), view in zip(pairs, found, strict=True)]


async def follow_requests(
    ctx: ServiceContext, viewer: Actor, page: PageQuery
) -> list[tuple[int, AccountView]]:
    async with ctx.db.read() as conn:
        pairs = await timeline_store.follows_page(
            conn, viewer.id, page, direction="followers", state="pending"
        )
        found = await views.accounts(conn, [actor for _id, actor in pairs])
        return [(follow_id, view) for (follow_id, _a), view in zip(pairs, found, strict=True)]


async def relationships(
    ctx: ServiceContext, viewer: Actor, actor_ids: Sequence[int]
) -> list[Relationship]:
    async with ctx.db.read() as conn:
        outgoing = await timeline_store.follow_states(conn, viewer.id, actor_ids)
        incoming = await timeline_store.follower_states(conn, viewer.id, actor_ids)
        blocks = await block_store.relations(conn, viewer.id, actor_ids)
    return [
        Relationship(
            id=actor_id,
            following=outgoing.get(actor_id) == "accepted",
            requested=outgoing.get(actor_id) == "pending",
            followed_by=incoming.get(actor_id) == "accepted",
            requested_by=incoming.get(actor_id) == "pending",
            blocking=actor_id in blocks.blocking,
            blocked_by=actor_id in blocks.blocked_by,
            muting=actor_id in blocks.muting,
            muting_notifications=blocks.muting.get(actor_id, False),
            domain_blocking=actor_id in blocks.domain_blocking,
        )
        for actor_id in actor_ids
    ]


async def favourites(
    ctx: ServiceContext, viewer: Actor, page: PageQuery
) -> list[tuple[int, PostView]]:
    """(favourite id, status) of the viewer's likes, newest first."""
    async with ctx.db.read() as conn:
        pairs = await favourite_store.list_of_actor(
            conn, viewer.id, max_id=page.max_id, min_id=page.min_id, limit=page.limit
        )
        return await paired_views(conn, viewer, pairs)


async def paired_views(
    conn: AsyncConnection, viewer: Actor, pairs: Sequence[tuple[int, int]]
) -> list[tuple[int, PostView]]:
    """(row id, status) for (row id, post id) pairs of a list (likes, bookmarks), in
    order; posts gone or no longer visible to the viewer are left out."""
    found = await timeline_store.posts_by_ids(conn, [post_id for _r, post_id in pairs])
    shown = {
        v.post.id: v
        for v in await views.posts(conn, viewer, [found[p] for _r, p in pairs if p in found])
    }
    return [(row, shown[post_id]) for row, post_id in pairs if post_id in shown]


async def boost(ctx: ServiceContext, viewer: Actor | None, announce: Announce) -> BoostView:
    """A boost as a status of its own, wrapping the boosted post."""
    async with ctx.db.read() as conn:
        booster = await actor_store.get_actor(conn, announce.actor_id)
        post = await post_store.get_post(conn, announce.object_id) if announce.object_id else None
        inner = await views.post(conn, viewer, post) if post is not None else None
        if booster is None or inner is None:
            raise NotFound("Record not found")
        return BoostView(announce=announce, author=await views.account(conn, booster), reblog=inner)


async def boost_by_id(ctx: ServiceContext, viewer: Actor | None, announce_id: int) -> BoostView:
    async with ctx.db.read() as conn:
        announce = await timeline_store.announce_by_id(conn, announce_id)
    if announce is None:
        raise NotFound("Record not found")
    return await boost(ctx, viewer, announce)
