"""What the client API reads: timelines, threads, and the facts a status or account shows
(counts, the viewer's own likes and boosts, who a post replies to). Every list is paged
by id and bounded; facts are read for a whole page at once.

Paging follows Mastodon: `max_id` (older than), `since_id` (newer than, newest first),
`min_id` (just newer than, read oldest first then returned newest first).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Announce, Post
from .actors import _actor
from .announces import _announce
from .followed_tags import followed_tag_posts
from .hidden import hidden_actors
from .post_columns import post_from_row
from .tables import actors, announces, follows, list_members, lists, objects, post_hashtags

MAX_PAGE = 80


class Page(Protocol):
    """A page's bounds, as the routes parse them (`boundary.paging.PageQuery` is one)."""

    @property
    def max_id(self) -> int | None: ...

    @property
    def since_id(self) -> int | None: ...

    @property
    def min_id(self) -> int | None: ...

    @property
    def limit(self) -> int: ...


def apply_page(query: Select[Any], column: ColumnElement[Any], page: Page) -> Select[Any]:
    """The page's bounds and order on `column` (an id)."""
    if page.max_id is not None:
        query = query.where(column < page.max_id)
    if page.since_id is not None:
        query = query.where(column > page.since_id)
    limit = max(1, min(page.limit, MAX_PAGE))
    if page.min_id is not None:
        return query.where(column > page.min_id).order_by(column.asc()).limit(limit)
    return query.order_by(column.desc()).limit(limit)


async def _posts(conn: AsyncConnection, query: Select[Any], page: Page) -> list[Post]:
    posts = [post_from_row(row) for row in await conn.execute(query)]
    if page.min_id is not None:
        posts.reverse()
    return posts


def _followed_by(actor_id: int) -> Select[tuple[int]]:
    return select(follows.c.followed_id).where(
        follows.c.follower_id == actor_id, follows.c.state == "accepted"
    )


async def home(conn: AsyncConnection, actor_id: int, page: Page) -> list[Post]:
    """The actor's own posts, those of the actors they follow, the posts those actors
    announced, and public posts carrying a hashtag they follow; direct messages only
    when the actor wrote them. Not those of the accounts a block, a mute or a domain
    block hides from the actor (nor their boosts). The members of the actor's exclusive
    lists are left out: their posts show in those lists only."""
    exclusive = (
        select(list_members.c.actor_id)
        .join(lists, lists.c.id == list_members.c.list_id)
        .where(lists.c.actor_id == actor_id, lists.c.exclusive.is_(True))
    )
    followed = _followed_by(actor_id).where(follows.c.followed_id.not_in(exclusive))
    hidden = hidden_actors(actor_id)
    announced = select(announces.c.object_id).where(
        announces.c.actor_id.in_(followed),
        announces.c.actor_id.not_in(hidden),
        announces.c.object_id.is_not(None),
    )
    query = select(objects).where(
        objects.c.deleted_at.is_(None),
        objects.c.actor_id.not_in(hidden),
        or_(
            objects.c.actor_id == actor_id,
            and_(
                objects.c.visibility != "direct",
                or_(objects.c.actor_id.in_(followed), objects.c.id.in_(announced)),
            ),
            and_(
                objects.c.visibility.in_(("public", "local")),
                objects.c.id.in_(followed_tag_posts(actor_id)),
            ),
        ),
    )
    return await _posts(conn, apply_page(query, objects.c.id, page), page)


def _not_hidden(viewer_id: int | None) -> list[ColumnElement[bool]]:
    """In a viewer's list: not the posts of the accounts hidden from them."""
    return [] if viewer_id is None else [objects.c.actor_id.not_in(hidden_actors(viewer_id))]


def _locality(local: bool, remote: bool) -> list[ColumnElement[bool]]:
    if local:
        return [objects.c.is_local.is_(True)]
    if remote:
        return [objects.c.is_local.is_(False)]
    return []


def _not_by(hidden_authors: Select[Any] | None) -> list[ColumnElement[bool]]:
    return [] if hidden_authors is None else [objects.c.actor_id.not_in(hidden_authors)]


async def public(
    conn: AsyncConnection,
    page: Page,
    *,
    local: bool = False,
    remote: bool = False,
    local_only_too: bool = False,
    viewer_id: int | None = None,
    hidden_authors: Select[Any] | None = None,
) -> list[Post]:
    """Public posts, newest first; with `local_only_too`, our local-only ones as well
    (for a resident's public and local timelines, as Hometown shows them); for a
    `viewer_id`, not those of the accounts hidden from them (`blocks.hidden_actors`);
    none by `hidden_authors` (store/moderation.hidden_authors)."""
    visibilities = ["public", "local"] if local_only_too else ["public"]
    query = select(objects).where(
        objects.c.visibility.in_(visibilities),
        objects.c.deleted_at.is_(None),
        *_locality(local, remote),
        *_not_hidden(viewer_id),
        *_not_by(hidden_authors),
    )
    return await _posts(conn, apply_page(query, objects.c.id, page), page)


async def tagged(
    conn: AsyncConnection,
    hashtags: Sequence[str],
    page: Page,
    *,
    local: bool = False,
    remote: bool = False,
    viewer_id: int | None = None,
    hidden_authors: Select[Any] | None = None,
) -> list[Post]:
    """Public posts carrying any of `hashtags` (normalised); for a `viewer_id`, not those
    of the accounts hidden from them; none by `hidden_authors`."""
    ids = select(post_hashtags.c.post_id).where(post_hashtags.c.hashtag.in_(list(hashtags)))
    query = select(objects).where(
        objects.c.id.in_(ids),
        objects.c.visibility == "public",
        objects.c.deleted_at.is_(None),
        *_locality(local, remote),
        *_not_hidden(viewer_id),
        *_not_by(hidden_authors),
    )
    return await _posts(conn, apply_page(query, objects.c.id, page), page)


async def by_actor(
    conn: AsyncConnection,
    actor_id: int,
    page: Page,
    *,
    visibilities: Sequence[str],
    exclude_replies: bool = False,
    hashtag: str | None = None,
) -> list[Post]:
    query = select(objects).where(
        objects.c.actor_id == actor_id,
        objects.c.deleted_at.is_(None),
        objects.c.visibility.in_(list(visibilities)),
    )
    if exclude_replies:
        query = query.where(objects.c.in_reply_to_uri.is_(None))
    if hashtag is not None:
        query = query.where(
            objects.c.id.in_(
                select(post_hashtags.c.post_id).where(post_hashtags.c.hashtag == hashtag)
            )
        )
    return await _posts(conn, apply_page(query, objects.c.id, page), page)


async def posts_by_ids(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Post]:
    if not ids:
        return {}
    rows = await conn.execute(select(objects).where(objects.c.id.in_(list(set(ids)))))
    return {row.id: post_from_row(row) for row in rows}


async def posts_by_uris(conn: AsyncConnection, uris: Sequence[str]) -> dict[str, Post]:
    if not uris:
        return {}
    rows = await conn.execute(select(objects).where(objects.c.uri.in_(list(set(uris)))))
    return {row.uri: post_from_row(row) for row in rows}


async def post_by_url(conn: AsyncConnection, url: str) -> Post | None:
    """A post by its id or its human-readable URL (Mastodon's `/@user/123`)."""
    row = (
        await conn.execute(
            select(objects).where(or_(objects.c.uri == url, objects.c.url == url)).limit(1)
        )
    ).first()
    return post_from_row(row) if row else None


async def replies(conn: AsyncConnection, uris: Sequence[str], *, limit: int) -> list[Post]:
    """Undeleted posts replying to any of `uris`, oldest first."""
    if not uris:
        return []
    rows = await conn.execute(
        select(objects)
        .where(objects.c.in_reply_to_uri.in_(list(uris)), objects.c.deleted_at.is_(None))
        .order_by(objects.c.id)
        .limit(limit)
    )
    return [post_from_row(row) for row in rows]


async def reply_counts(conn: AsyncConnection, uris: Sequence[str]) -> dict[str, int]:
    if not uris:
        return {}
    rows = await conn.execute(
        select(objects.c.in_reply_to_uri, func.count())
        .where(objects.c.in_reply_to_uri.in_(list(uris)), objects.c.deleted_at.is_(None))
        .group_by(objects.c.in_reply_to_uri)
    )
    return {uri: count for uri, count in rows}


async def reblogged_by(conn: AsyncConnection, actor_id: int, post_ids: Sequence[int]) -> set[int]:
    if not post_ids:
        return set()
    rows = await conn.execute(
        select(announces.c.object_id).where(
            announces.c.actor_id == actor_id, announces.c.object_id.in_(list(post_ids))
        )
    )
    return {row.object_id for row in rows}


async def actors_by_ids(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Actor]:
    if not ids:
        return {}
    rows = await conn.execute(select(actors).where(actors.c.id.in_(list(set(ids)))))
    return {row.id: _actor(row) for row in rows}


async def actors_by_uris(conn: AsyncConnection, uris: Sequence[str]) -> dict[str, Actor]:
    if not uris:
        return {}
    rows = await conn.execute(_ACTORS_BY_URIS, {"uris": list(set(uris))})
    return {row.uri: _actor(row) for row in rows}


_ACTORS_BY_URIS = select(actors).where(actors.c.uri.in_(bindparam("uris", expanding=True)))


async def actor_by_url(conn: AsyncConnection, url: str) -> Actor | None:
    row = (
        await conn.execute(
            select(actors).where(or_(actors.c.uri == url, actors.c.url == url)).limit(1)
        )
    ).first()
    return _actor(row) if row else None


async def follow_counts(
    conn: AsyncConnection, actor_ids: Sequence[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """(followers, following) counts of accepted follows, by actor."""
    if not actor_ids:
        return {}, {}
    ids = list(set(actor_ids))
    accepted = follows.c.state == "accepted"
    followers = await conn.execute(
        select(follows.c.followed_id, func.count())
        .where(follows.c.followed_id.in_(ids), accepted)
        .group_by(follows.c.followed_id)
    )
    following = await conn.execute(
        select(follows.c.follower_id, func.count())
        .where(follows.c.follower_id.in_(ids), accepted)
        .group_by(follows.c.follower_id)
    )
    return dict(followers.all()), dict(following.all())


async def status_stats(
    conn: AsyncConnection, actor_ids: Sequence[int]
) -> dict[int, tuple[int, datetime | None]]:
    """(count, last published) of each actor's listed posts (public and unlisted)."""
    if not actor_ids:
        return {}
    rows = await conn.execute(
        select(objects.c.actor_id, func.count(), func.max(objects.c.published))
        .where(
            objects.c.actor_id.in_(list(set(actor_ids))),
            objects.c.visibility.in_(("public", "unlisted")),
            objects.c.deleted_at.is_(None),
        )
        .group_by(objects.c.actor_id)
    )
    return {actor_id: (count, last) for actor_id, count, last in rows}


async def follow_states(
    conn: AsyncConnection, follower_id: int, followed_ids: Sequence[int]
) -> dict[int, str]:
    """The state (pending, accepted) of `follower_id`'s follow of each of `followed_ids`."""
    if not followed_ids:
        return {}
    rows = await conn.execute(
        select(follows.c.followed_id, follows.c.state).where(
            follows.c.follower_id == follower_id, follows.c.followed_id.in_(list(followed_ids))
        )
    )
    return dict(rows.all())


async def follower_states(
    conn: AsyncConnection, followed_id: int, follower_ids: Sequence[int]
) -> dict[int, str]:
    """The state of each of `follower_ids`' follows of `followed_id`."""
    if not follower_ids:
        return {}
    rows = await conn.execute(
        select(follows.c.follower_id, follows.c.state).where(
            follows.c.followed_id == followed_id, follows.c.follower_id.in_(list(follower_ids))
        )
    )
    return dict(rows.all())


async def follows_page(
    conn: AsyncConnection, actor_id: int, page: Page, *, direction: str, state: str = "accepted"
) -> list[tuple[int, Actor]]:
    """(follow id, other actor) of an actor's followers (`direction="followers"`) or of
    those it follows, newest follow first, paged by follow id."""
    mine = follows.c.followed_id if direction == "followers" else follows.c.follower_id
    other = follows.c.follower_id if direction == "followers" else follows.c.followed_id
    query = (
        select(follows.c.id.label("follow_id"), actors)
        .join(actors, actors.c.id == other)
        .where(mine == actor_id, follows.c.state == state)
    )
    rows = list(await conn.execute(apply_page(query, follows.c.id, page)))
    if page.min_id is not None:
        rows.reverse()
    return [(row.follow_id, _actor(row)) for row in rows]


async def search_actors(
    conn: AsyncConnection, text: str, *, limit: int, offset: int = 0
) -> list[Actor]:
    """Actors whose username or display name starts with `text` (residents, groups and
    known remote people; never the instance actor), local ones first."""
    pattern = text.lower().replace("\\", "").replace("%", "").replace("_", "\\_") + "%"
    rows = await conn.execute(
        select(actors)
        .where(
            actors.c.role != "instance",
            actors.c.gone_at.is_(None),
            or_(
                func.lower(actors.c.username).like(pattern, escape="\\"),
                func.lower(actors.c.display_name).like(pattern, escape="\\"),
            ),
        )
        .order_by((actors.c.role == "remote").asc(), actors.c.username, actors.c.id)
        .offset(offset)
        .limit(limit)
    )
    return [_actor(row) for row in rows]


async def count_remote_domains(conn: AsyncConnection) -> int:
    return (
        await conn.execute(
            select(func.count(func.distinct(actors.c.domain))).where(actors.c.role == "remote")
        )
    ).scalar_one()


async def announce_by_id(conn: AsyncConnection, announce_id: int) -> Announce | None:
    """One Announce by its row id (a boost's status id points at it)."""
    row = (await conn.execute(select(announces).where(announces.c.id == announce_id))).first()
    return _announce(row) if row else None


async def newest_post_id(conn: AsyncConnection) -> int:
    return (await conn.execute(select(func.max(objects.c.id)))).scalar_one() or 0


async def deleted_among(conn: AsyncConnection, post_ids: Sequence[int]) -> list[int]:
    """Which of `post_ids` are deleted (tombstoned or gone altogether)."""
    if not post_ids:
        return []
    rows = await conn.execute(
        select(objects.c.id).where(objects.c.id.in_(list(post_ids)), objects.c.deleted_at.is_(None))
    )
    alive = {row.id for row in rows}
    return [post_id for post_id in post_ids if post_id not in alive]
