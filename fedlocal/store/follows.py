"""Follow relationships, in both directions, with their Follow activity ids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Text,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Follow
from .actors import actor_from_prefixed, prefixed_actor_columns
from .clock import utcnow
from .tables import actors, follows


def _follow(row: Row[Any]) -> Follow:
    return Follow(
        id=row.id,
        follower_id=row.follower_id,
        followed_id=row.followed_id,
        uri=row.uri,
        state=row.state,
        created_at=row.created_at,
    )


async def upsert_follow(
    conn: AsyncConnection, *, follower_id: int, followed_id: int, uri: str, state: str
) -> Follow:
    """Record a follow; a repeated Follow replaces the stored activity id and state."""
    now = utcnow()
    existing = await get_follow(conn, follower_id, followed_id)
    if existing is None:
        # The same Follow id reused for another pair would violate uniqueness: drop the old.
        await conn.execute(delete(follows).where(follows.c.uri == uri))
        row = (
            await conn.execute(
                insert(follows)
                .values(
                    follower_id=follower_id,
                    followed_id=followed_id,
                    uri=uri,
                    state=state,
                    created_at=now,
                    updated_at=now,
                )
                .returning(*follows.c)
            )
        ).one()
    else:
        if existing.uri != uri:
            await conn.execute(
                delete(follows).where(follows.c.uri == uri, follows.c.id != existing.id)
            )
        # An accepted follow stays accepted when the peer re-sends its Follow.
        new_state = "accepted" if existing.state == "accepted" else state
        row = (
            await conn.execute(
                update(follows)
                .where(follows.c.id == existing.id)
                .values(uri=uri, state=new_state, updated_at=now)
                .returning(*follows.c)
            )
        ).one()
    return _follow(row)


async def get_follow(conn: AsyncConnection, follower_id: int, followed_id: int) -> Follow | None:
    row = (
        await conn.execute(
            select(follows).where(
                follows.c.follower_id == follower_id, follows.c.followed_id == followed_id
            )
        )
    ).first()
    return _follow(row) if row else None


async def follow_states(
    conn: AsyncConnection, follower_id: int, followed_ids: Sequence[int]
) -> dict[int, str]:
    """The state (`pending`, `accepted`) of `follower_id`'s follow of each of
    `followed_ids` it follows, in one query (a page of cards with follow buttons)."""
    if not followed_ids:
        return {}
    rows = await conn.execute(
        select(follows.c.followed_id, follows.c.state).where(
            follows.c.follower_id == follower_id, follows.c.followed_id.in_(list(followed_ids))
        )
    )
    return {row.followed_id: row.state for row in rows}


async def get_follow_by_uri(conn: AsyncConnection, uri: str) -> Follow | None:
    row = (await conn.execute(select(follows).where(follows.c.uri == uri))).first()
    return _follow(row) if row else None


async def set_follow_state(conn: AsyncConnection, follow_id: int, state: str) -> None:
    await conn.execute(
        update(follows).where(follows.c.id == follow_id).values(state=state, updated_at=utcnow())
    )


async def delete_follow(conn: AsyncConnection, follow_id: int) -> None:
    await conn.execute(delete(follows).where(follows.c.id == follow_id))


async def count_followers(conn: AsyncConnection, actor_id: int) -> int:
    return (
        await conn.execute(
            select(func.count())
            .select_from(follows)
            .where(follows.c.followed_id == actor_id, follows.c.state == "accepted")
        )
    ).scalar_one()


async def count_following(conn: AsyncConnection, actor_id: int) -> int:
    return (
        await conn.execute(
            select(func.count())
            .select_from(follows)
            .where(follows.c.follower_id == actor_id, follows.c.state == "accepted")
        )
    ).scalar_one()


async def list_followers(
    conn: AsyncConnection, actor_id: int, *, after_id: int | None = None, limit: int = 40
) -> list[tuple[Follow, Actor]]:
    """Accepted followers of `actor_id`, oldest first, keyset-paginated by follow id."""
    return await _list(
        conn, follows.c.followed_id == actor_id, follows.c.follower_id, after_id, limit
    )


async def list_following(
    conn: AsyncConnection, actor_id: int, *, after_id: int | None = None, limit: int = 40
) -> list[tuple[Follow, Actor]]:
    return await _list(
        conn, follows.c.follower_id == actor_id, follows.c.followed_id, after_id, limit
    )


async def _list(
    conn: AsyncConnection,
    condition: ColumnElement[bool],
    other_side: ColumnElement[Any],
    after_id: int | None,
    limit: int,
) -> list[tuple[Follow, Actor]]:
    query = (
        select(follows, *prefixed_actor_columns())
        .join(actors, actors.c.id == other_side)
        .where(condition, follows.c.state == "accepted")
        .order_by(follows.c.id)
        .limit(limit)
    )
    if after_id is not None:
        query = query.where(follows.c.id > after_id)
    return [(_follow(row), actor_from_prefixed(row)) for row in await conn.execute(query)]


async def follower_inboxes(
    conn: AsyncConnection, actor_ids: int | Sequence[int], *, after: str | None, limit: int
) -> list[str]:
    """Distinct delivery inboxes (shared inbox preferred) of the remote accepted followers
    of one or several actors, in inbox order after `after`: the fan-out reads them in
    bounded batches."""
    ids = [actor_ids] if isinstance(actor_ids, int) else list(actor_ids)
    rows = await conn.execute(_FOLLOWER_INBOXES, {"ids": ids, "after": after or "", "limit": limit})
    return [row.inbox for row in rows]


# Built once (docs/performance.md, "Statements built once"): the fan-out of every post a
# group shares runs it. Every inbox sorts after "", so no `after` is `after=""`.
_INBOX = func.coalesce(actors.c.shared_inbox_url, actors.c.inbox_url)
_FOLLOWER_INBOXES = (
    select(_INBOX.label("inbox"))
    .select_from(follows.join(actors, actors.c.id == follows.c.follower_id))
    .where(
        follows.c.followed_id.in_(bindparam("ids", expanding=True)),
        follows.c.state == "accepted",
        actors.c.role == "remote",
        actors.c.gone_at.is_(None),
        bindparam("after", type_=Text) < _INBOX,
    )
    .group_by(_INBOX)
    .order_by(_INBOX)
    .limit(bindparam("limit", type_=Integer))
)


async def has_local_follower(conn: AsyncConnection, actor_id: int) -> bool:
    """Whether any of our actors follows `actor_id` (accepted)."""
    row = await conn.execute(
        select(follows.c.id)
        .join(actors, actors.c.id == follows.c.follower_id)
        .where(
            follows.c.followed_id == actor_id,
            follows.c.state == "accepted",
            actors.c.role != "remote",
        )
        .limit(1)
    )
    return row.first() is not None


async def with_local_followers(conn: AsyncConnection, actor_ids: set[int]) -> set[int]:
    """Those of `actor_ids` that one of our actors follows (accepted): `has_local_follower`
    for several actors in one query."""
    if not actor_ids:
        return set()
    rows = await conn.execute(_WITH_LOCAL_FOLLOWERS, {"ids": list(actor_ids)})
    return set(rows.scalars())


# Built once (docs/performance.md, "Statements built once"): the inbox's runs ask it.
_WITH_LOCAL_FOLLOWERS = (
    select(follows.c.followed_id)
    .join(actors, actors.c.id == follows.c.follower_id)
    .where(
        follows.c.followed_id.in_(bindparam("ids", expanding=True)),
        follows.c.state == "accepted",
        actors.c.role != "remote",
    )
    .distinct()
)


async def accepted_among(
    conn: AsyncConnection, follower_ids: set[int], followed_ids: set[int]
) -> set[tuple[int, int]]:
    """The accepted follows (follower id, followed id) between these actors, in one query."""
    if not follower_ids or not followed_ids:
        return set()
    rows = await conn.execute(
        _ACCEPTED_AMONG, {"followers": list(follower_ids), "followed": list(followed_ids)}
    )
    return {(row.follower_id, row.followed_id) for row in rows}


# Built once (docs/performance.md, "Statements built once"): the inbox's runs ask it.
_ACCEPTED_AMONG = select(follows.c.follower_id, follows.c.followed_id).where(
    follows.c.follower_id.in_(bindparam("followers", expanding=True)),
    follows.c.followed_id.in_(bindparam("followed", expanding=True)),
    follows.c.state == "accepted",
)


async def follows_domain(
    conn: AsyncConnection, follower_id: int, domain: str, *, accepted_only: bool
) -> bool:
    """Whether `follower_id` follows some actor on `domain` (accepted, or in any state)."""
    query = (
        select(follows.c.id)
        .join(actors, actors.c.id == follows.c.followed_id)
        .where(follows.c.follower_id == follower_id, actors.c.domain == domain)
        .limit(1)
    )
    if accepted_only:
        query = query.where(follows.c.state == "accepted")
    return (await conn.execute(query)).first() is not None


async def related_remote_actors(conn: AsyncConnection, actor_id: int) -> list[Actor]:
    """Remote actors that `actor_id` follows or that follow it, in any state."""
    followed = select(follows.c.followed_id.label("other")).where(follows.c.follower_id == actor_id)
    following = select(follows.c.follower_id.label("other")).where(
        follows.c.followed_id == actor_id
    )
    others = followed.union(following).subquery()
    rows = await conn.execute(
        select(*prefixed_actor_columns())
        .join(others, others.c.other == actors.c.id)
        .where(actors.c.role == "remote")
        .order_by(actors.c.domain, actors.c.id)
    )
    return [actor_from_prefixed(row) for row in rows]


async def followers_on_domain(conn: AsyncConnection, actor_id: int, domain: str) -> list[Actor]:
    """Those on `domain` who follow `actor_id` or ask to (a resident's domain block
    removes them)."""
    rows = await conn.execute(
        select(*prefixed_actor_columns())
        .join(follows, follows.c.follower_id == actors.c.id)
        .where(follows.c.followed_id == actor_id, actors.c.domain == domain)
    )
    return [actor_from_prefixed(row) for row in rows]


async def delete_follows_of_actor(conn: AsyncConnection, actor_id: int) -> int:
    """Every follow of or by the actor (their account is deleted); how many."""
    result = await conn.execute(
        delete(follows).where(
            or_(follows.c.follower_id == actor_id, follows.c.followed_id == actor_id)
        )
    )
    return result.rowcount or 0


async def local_followers(conn: AsyncConnection, actor_id: int) -> list[tuple[Follow, Actor]]:
    """Our residents who follow `actor_id` or ask to, with their follows (a Move of
    `actor_id` carries them over to the new account)."""
    rows = await conn.execute(
        select(follows, *prefixed_actor_columns())
        .join(actors, follows.c.follower_id == actors.c.id)
        .where(follows.c.followed_id == actor_id, actors.c.role == "resident")
        .order_by(follows.c.id)
    )
    return [(_follow(row), actor_from_prefixed(row)) for row in rows]
