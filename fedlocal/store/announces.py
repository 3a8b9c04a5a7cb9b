"""Announces (boosts): the community actor's and received ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Announce
from .clock import utcnow
from .id_pages import newest_first
from .tables import actors, announces


def _announce(row: Row[Any]) -> Announce:
    return Announce(
        id=row.id,
        uri=row.uri,
        actor_id=row.actor_id,
        object_uri=row.object_uri,
        object_id=row.object_id,
        published=row.published,
    )


async def insert_announce(
    conn: AsyncConnection,
    *,
    uri: str,
    actor_id: int,
    object_uri: str,
    object_id: int | None,
    published: datetime | None = None,
) -> Announce | None:
    """Record an Announce; returns None when this actor already announced the object."""
    if await get_announce(conn, actor_id, object_uri) is not None:
        return None
    now = utcnow()
    row = (
        await conn.execute(
            _INSERT,
            {
                "uri": uri,
                "actor_id": actor_id,
                "object_uri": object_uri,
                "object_id": object_id,
                "published": published or now,
                "created_at": now,
            },
        )
    ).one()
    return _announce(row)


async def get_announce(conn: AsyncConnection, actor_id: int, object_uri: str) -> Announce | None:
    row = (
        await conn.execute(_BY_ACTOR_AND_OBJECT, {"actor": actor_id, "object": object_uri})
    ).first()
    return _announce(row) if row else None


# Built once (docs/performance.md, "Statements built once"): a group runs both for each
# post it shares.
_INSERT = insert(announces).returning(*announces.c)
_BY_ACTOR_AND_OBJECT = select(announces).where(
    announces.c.actor_id == bindparam("actor"), announces.c.object_uri == bindparam("object")
)


async def group_ids_sharing(conn: AsyncConnection, object_uri: str) -> list[int]:
    """Our groups (remote actors have the role `remote`) that announced the object."""
    query = (
        select(announces.c.actor_id)
        .join(actors, actors.c.id == announces.c.actor_id)
        .where(announces.c.object_uri == object_uri, actors.c.role == "group")
        .order_by(announces.c.id)
    )
    return list((await conn.execute(query)).scalars())


async def get_announce_by_uri(conn: AsyncConnection, uri: str) -> Announce | None:
    row = (await conn.execute(select(announces).where(announces.c.uri == uri))).first()
    return _announce(row) if row else None


async def delete_announce(conn: AsyncConnection, announce_id: int) -> None:
    await conn.execute(delete(announces).where(announces.c.id == announce_id))


async def list_actor_announces(
    conn: AsyncConnection, actor_id: int, *, max_id: int | None = None, limit: int = 20
) -> list[Announce]:
    query = (
        select(announces)
        .where(announces.c.actor_id == actor_id)
        .order_by(announces.c.id.desc())
        .limit(limit)
    )
    if max_id is not None:
        query = query.where(announces.c.id < max_id)
    return [_announce(row) for row in await conn.execute(query)]


async def count_actor_announces(conn: AsyncConnection, actor_id: int) -> int:
    return (
        await conn.execute(
            select(func.count()).select_from(announces).where(announces.c.actor_id == actor_id)
        )
    ).scalar_one()


# Our actors whose Announces are automatic shares, not boosts: the community shares every
# public resident post, a group redistributes its members' posts. They are neither counted
# in `reblogs_count`, nor listed in "boosted by", nor notified.
SHARING_ROLES = ("community", "instance", "group")


def _boosts() -> Any:
    return (
        select(announces.c.id, announces.c.actor_id, announces.c.object_id)
        .join(actors, actors.c.id == announces.c.actor_id)
        .where(actors.c.role.not_in(SHARING_ROLES))
    )


async def boost_counts(conn: AsyncConnection, post_ids: list[int]) -> dict[int, int]:
    """How many people boosted each post (the automatic shares left out)."""
    if not post_ids:
        return {}
    found = _boosts().where(announces.c.object_id.in_(post_ids)).subquery()
    rows = await conn.execute(select(found.c.object_id, func.count()).group_by(found.c.object_id))
    return {post_id: count for post_id, count in rows}


async def boosters_of(
    conn: AsyncConnection,
    post_id: int,
    *,
    max_id: int | None = None,
    min_id: int | None = None,
    limit: int = 40,
) -> list[tuple[int, int]]:
    """(announce id, actor id) of the people who boosted a post, newest first (paged by
    announce id)."""
    query = _boosts().where(announces.c.object_id == post_id)
    rows = await newest_first(
        conn, query, announces.c.id, max_id=max_id, min_id=min_id, limit=limit
    )
    return [(row.id, row.actor_id) for row in rows]
