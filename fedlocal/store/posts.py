"""Posts (the `objects` table): ours and the remote copies we hold."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Post
from .clock import utcnow
from .post_columns import columns_for, post_from_row
from .tables import objects


def _post(row: Row[Any]) -> Post:
    return post_from_row(row)


async def insert_local_post(
    conn: AsyncConnection, *, actor_id: int, uri_for: Callable[[int], str], **fields: Any
) -> Post:
    """Insert one of our posts; its URI is made from the new row id by `uri_for`, and is
    its URL too (a post of ours is shown where it is identified)."""
    now = utcnow()
    values = columns_for(fields)
    values.setdefault("published", now)
    values.setdefault("kind", "note")
    values.setdefault("type", "Note")
    placeholder = f"urn:fedlocal:pending:{uuid.uuid4()}"
    post_id = (
        await conn.execute(
            insert(objects)
            .values(uri=placeholder, actor_id=actor_id, is_local=True, created_at=now, **values)
            .returning(objects.c.id)
        )
    ).scalar_one()
    row = (
        await conn.execute(
            update(objects)
            .where(objects.c.id == post_id)
            .values(uri=uri_for(post_id), url=values.get("url") or uri_for(post_id))
            .returning(*objects.c)
        )
    ).one()
    return _post(row)


@dataclass(frozen=True)
class SavedRemote:
    """What `save_remote_post` did with a remote post."""

    post: Post
    # created | replaced | unchanged (not newer than our copy) | refused (not theirs)
    outcome: str
    reason: str = ""  # why our copy was left as it was, for the log

    @property
    def changed(self) -> bool:
        return self.outcome in ("created", "replaced")


async def upsert_remote_post(
    conn: AsyncConnection,
    *,
    uri: str,
    actor_id: int,
    version: datetime | None = None,
    **fields: Any,
) -> tuple[Post, bool]:
    """Store or refresh a remote post as `save_remote_post` allows; returns (post,
    created)."""
    existing = await get_post_by_uri(conn, uri)
    saved = await save_remote_post(
        conn, existing, uri=uri, actor_id=actor_id, version=version, **fields
    )
    return saved.post, saved.outcome == "created"


async def save_remote_post(
    conn: AsyncConnection,
    existing: Post | None,
    *,
    uri: str,
    actor_id: int,
    version: datetime | None,
    **fields: Any,
) -> SavedRemote:
    """Store a remote post, or replace our copy (`existing`, just read by the caller;
    None when we hold none) — only with a newer version by the same author.

    The one rule every way a remote post arrives goes through (Create, Update, an
    announced or searched post fetched from its origin): an object belongs to the actor
    we first stored it for, so another actor's copy never replaces it, whatever it
    claims; and `version` (when the document says it was written: `updated`, else
    `published`; None when it says neither) must be later than our copy's (its edit
    time, else its publication), so a late or replayed older version never rolls an
    edit back. Our own posts and tombstones are never replaced.
    """
    values = columns_for(fields)
    if existing is None:
        row = (
            await conn.execute(
                insert(objects)
                .values(uri=uri, actor_id=actor_id, is_local=False, created_at=utcnow(), **values)
                .returning(*objects.c)
            )
        ).one()
        return SavedRemote(_post(row), "created")
    if version is not None:
        # The rule is this WHERE, so that two workers writing the same post at once
        # (PostgreSQL) cannot slip an older version in between a read and this write.
        replaced = (
            await conn.execute(
                update(objects)
                .where(
                    objects.c.id == existing.id,
                    objects.c.is_local.is_(False),
                    objects.c.actor_id == actor_id,
                    objects.c.deleted_at.is_(None),
                    func.coalesce(objects.c.edited_at, objects.c.published) < version,
                )
                .values(**values)
                .returning(*objects.c)
            )
        ).first()
        if replaced is not None:
            return SavedRemote(_post(replaced), "replaced")
    return _kept(existing, actor_id, version)


def _kept(existing: Post, actor_id: int, version: datetime | None) -> SavedRemote:
    """Why the rule of `save_remote_post` left our copy as it was (read from the copy)."""
    if existing.is_local:
        return SavedRemote(existing, "refused", "the object is one of our own posts")
    if existing.actor_id != actor_id:
        return SavedRemote(existing, "refused", "we hold this object for another author")
    if existing.is_deleted:
        return SavedRemote(existing, "refused", "its author deleted this object")
    if version is None:
        return SavedRemote(existing, "unchanged", "a copy without a date is not an edit")
    return SavedRemote(existing, "unchanged", "not newer than our copy")


async def insert_remote_posts(conn: AsyncConnection, posts: list[dict[str, Any]]) -> list[int]:
    """Store remote posts we hold no copy of, in the order given, with as few statements
    as their columns allow (one for a run of posts of the same shape): the inbox worker's
    runs of Creates. Each dict holds `uri`, `actor_id` and the fields `save_remote_post`
    takes; a post already held makes the whole call fail (the caller checked). Returns
    their ids, in order: most new posts need nothing more, and reading every column back
    cost more than storing them (`posts_by_ids` reads those that do)."""
    now = utcnow()
    rows = [
        {
            "uri": post["uri"],
            "actor_id": post["actor_id"],
            "is_local": False,
            "created_at": now,
            **columns_for({k: v for k, v in post.items() if k not in ("uri", "actor_id")}),
        }
        for post in posts
    ]
    ids: dict[str, int] = {}
    start = 0
    while start < len(rows):
        # One statement needs the same columns in every row: a ride has one more.
        end = start + 1
        while end < len(rows) and rows[end].keys() == rows[start].keys():
            end += 1
        # SQLAlchemy's "insertmanyvalues" sends the rows as one multi-row INSERT, whose
        # rows get their ids in the order given (RETURNING may give them back in any
        # order, hence the map by uri: asking for parameter order would cost one
        # statement per row on SQLite).
        result = await conn.execute(_INSERT_RETURNING_ID, rows[start:end])
        ids.update((row.uri, row.id) for row in result)
        start = end
    return [ids[post["uri"]] for post in posts]


# Built once (docs/performance.md, "Statements built once"): constructing a 50-column
# statement costs more CPU than running it.
_INSERT_RETURNING_ID = insert(objects).returning(objects.c.id, objects.c.uri)
_BY_IDS = select(objects).where(objects.c.id.in_(bindparam("ids", expanding=True)))


async def posts_by_ids(conn: AsyncConnection, ids: Collection[int]) -> dict[int, Post]:
    """The posts of these ids that exist, by id, in one query."""
    if not ids:
        return {}
    rows = await conn.execute(_BY_IDS, {"ids": list(ids)})
    return {row.id: _post(row) for row in rows}


async def held_uris(conn: AsyncConnection, uris: list[str]) -> set[str]:
    """Those of `uris` we hold a post for (ours, a remote copy or a tombstone)."""
    if not uris:
        return set()
    rows = await conn.execute(_HELD, {"uris": list(set(uris))})
    return set(rows.scalars())


_HELD = select(objects.c.uri).where(objects.c.uri.in_(bindparam("uris", expanding=True)))


async def update_post(conn: AsyncConnection, post_id: int, **fields: Any) -> Post:
    values = columns_for(fields)
    row = (
        await conn.execute(
            update(objects).where(objects.c.id == post_id).values(**values).returning(*objects.c)
        )
    ).one()
    return _post(row)


async def get_post(conn: AsyncConnection, post_id: int) -> Post | None:
    row = (await conn.execute(select(objects).where(objects.c.id == post_id))).first()
    return _post(row) if row else None


async def get_post_by_uri(conn: AsyncConnection, uri: str) -> Post | None:
    row = (await conn.execute(select(objects).where(objects.c.uri == uri))).first()
    return _post(row) if row else None


async def tombstone_post(
    conn: AsyncConnection, post_id: int, *, at: datetime | None = None
) -> None:
    """Keep the row as a tombstone (so its URL answers 410) and drop the content and the
    place."""
    await conn.execute(
        update(objects)
        .where(objects.c.id == post_id)
        .values(
            deleted_at=at or utcnow(),
            content="",
            source=None,
            name=None,
            summary=None,
            data=None,
            **columns_for({"place": None}),
        )
    )


async def delete_post(conn: AsyncConnection, post_id: int) -> None:
    """Remove a remote copy entirely."""
    await conn.execute(delete(objects).where(objects.c.id == post_id))


async def delete_posts_of_actor(conn: AsyncConnection, actor_id: int) -> int:
    result = await conn.execute(delete(objects).where(objects.c.actor_id == actor_id))
    return result.rowcount or 0


async def list_actor_posts(
    conn: AsyncConnection,
    actor_id: int,
    *,
    visibilities: tuple[str, ...] = ("public", "unlisted"),
    max_id: int | None = None,
    limit: int = 20,
) -> list[Post]:
    """Newest first; `max_id` pages backwards. Deleted posts are left out."""
    query = (
        select(objects)
        .where(
            objects.c.actor_id == actor_id,
            objects.c.visibility.in_(visibilities),
            objects.c.deleted_at.is_(None),
        )
        .order_by(objects.c.id.desc())
        .limit(limit)
    )
    if max_id is not None:
        query = query.where(objects.c.id < max_id)
    return [_post(row) for row in await conn.execute(query)]


async def count_actor_posts(
    conn: AsyncConnection, actor_id: int, visibilities: tuple[str, ...] = ("public", "unlisted")
) -> int:
    return (
        await conn.execute(
            select(func.count())
            .select_from(objects)
            .where(
                objects.c.actor_id == actor_id,
                objects.c.visibility.in_(visibilities),
                objects.c.deleted_at.is_(None),
            )
        )
    ).scalar_one()


async def count_local_posts(conn: AsyncConnection) -> int:
    return (
        await conn.execute(
            select(func.count())
            .select_from(objects)
            .where(objects.c.is_local.is_(True), objects.c.deleted_at.is_(None))
        )
    ).scalar_one()


async def expired_listings(conn: AsyncConnection, *, now: datetime, limit: int) -> list[Post]:
    """Our open offers and requests whose expiry has passed, oldest expiry first."""
    rows = await conn.execute(
        select(objects)
        .where(
            objects.c.is_local.is_(True),
            objects.c.kind.in_(("offer", "request")),
            objects.c.status == "open",
            objects.c.deleted_at.is_(None),
            objects.c.expires_at <= now,
        )
        .order_by(objects.c.expires_at)
        .limit(limit)
    )
    return [_post(row) for row in rows]


async def open_rides(conn: AsyncConnection) -> list[Post]:
    """Rides (ours and remote copies) still open, oldest first: their dates live in
    `data`, so the caller tells which have left."""
    rows = await conn.execute(
        select(objects)
        .where(
            objects.c.kind == "ride",
            objects.c.status == "open",
            objects.c.deleted_at.is_(None),
        )
        .order_by(objects.c.id)
    )
    return [_post(row) for row in rows]


async def loans_due(conn: AsyncConnection, *, by: date, limit: int) -> list[Post]:
    """Our lent things not back yet whose return day is `by` or earlier, soonest first."""
    rows = await conn.execute(
        select(objects)
        .where(
            objects.c.is_local.is_(True),
            objects.c.kind == "offer",
            objects.c.status == "closed",
            objects.c.closed_as == "lent",
            objects.c.deleted_at.is_(None),
            objects.c.returned_at.is_(None),
            objects.c.due_on <= by,
        )
        .order_by(objects.c.due_on, objects.c.id)
        .limit(limit)
    )
    return [_post(row) for row in rows]
