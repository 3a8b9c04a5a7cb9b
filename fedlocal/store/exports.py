"""What a resident's data download holds (federation/archive.py): their posts of every
kind and visibility, and the rows that link them to other posts and people."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Post
from .post_columns import post_from_row
from .tables import (
    actors,
    bookmarks,
    favourites,
    follows,
    group_purchase_commitments,
    interests,
    objects,
    participations,
    ride_bookings,
)


async def posts_of(conn: AsyncConnection, actor_id: int) -> list[Post]:
    """Every post of the actor, oldest first, deleted ones left out."""
    rows = await conn.execute(
        select(objects)
        .where(objects.c.actor_id == actor_id, objects.c.deleted_at.is_(None))
        .order_by(objects.c.id)
    )
    return [post_from_row(row) for row in rows]


async def follows_of(conn: AsyncConnection, actor_id: int) -> dict[str, list[dict[str, Any]]]:
    """Who the actor follows and who follows them: the other's id, state and date."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name, mine, theirs in (
        ("following", follows.c.follower_id, follows.c.followed_id),
        ("followers", follows.c.followed_id, follows.c.follower_id),
    ):
        rows = await conn.execute(
            select(actors.c.uri, follows.c.state, follows.c.created_at)
            .join(actors, actors.c.id == theirs)
            .where(mine == actor_id)
            .order_by(follows.c.id)
        )
        found[name] = [
            {"account": uri, "state": state, "since": since} for uri, state, since in rows
        ]
    return found


async def linked_posts(conn: AsyncConnection, actor_id: int) -> dict[str, list[dict[str, Any]]]:
    """The posts the actor takes part in, showed interest in, committed to (group
    purchases: the quantity in thousandths of the unit), booked (rides), bookmarked or
    liked."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name, table, post_column, extra in (
        ("participations", participations, participations.c.event_id, [participations.c.state]),
        ("interests", interests, interests.c.post_id, []),
        (
            "commitments",
            group_purchase_commitments,
            group_purchase_commitments.c.purchase_id,
            [group_purchase_commitments.c.quantity_milli, group_purchase_commitments.c.updated_at],
        ),
        (
            "ride_bookings",
            ride_bookings,
            ride_bookings.c.ride_id,
            [ride_bookings.c.departs_on, ride_bookings.c.seats, ride_bookings.c.state],
        ),
        ("bookmarks", bookmarks, bookmarks.c.post_id, []),
        ("likes", favourites, favourites.c.post_id, []),
    ):
        rows = await conn.execute(
            select(objects.c.uri, table.c.created_at, *extra)
            .join(objects, objects.c.id == post_column)
            .where(table.c.actor_id == actor_id)
            .order_by(table.c.id)
        )
        found[name] = [dict(row._mapping) for row in rows]
    return found
