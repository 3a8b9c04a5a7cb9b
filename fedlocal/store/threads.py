"""Threads of messages (direct posts between two people), their members' marks, and which
post belongs to which thread."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Post, Thread, ThreadMember
from .clock import utcnow
from .post_columns import post_from_row
from .tables import objects, thread_members, thread_messages, threads
from .timelines import Page, apply_page
from .upsert import insert_ignoring_conflicts

# The badge says "99+" beyond this; counting further is wasted work.
COUNT_CAP = 100


def _thread(row: Row[Any]) -> Thread:
    return Thread(
        id=row.id,
        listing_id=row.listing_id,
        last_post_id=row.last_post_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _member(row: Row[Any]) -> ThreadMember:
    return ThreadMember(
        thread_id=row.thread_id,
        actor_id=row.actor_id,
        other_id=row.other_id,
        unread=row.unread,
        hidden=row.hidden,
    )


def thread_key(one_id: int, other_id: int, listing_id: int | None) -> str:
    """A thread's identity: the pair (in either order) and the listing, if any."""
    low, high = sorted((one_id, other_id))
    return f"{low}:{high}:{listing_id or ''}"


async def get_or_create(
    conn: AsyncConnection, one_id: int, other_id: int, listing_id: int | None
) -> Thread:
    """The thread of this pair about this listing (or about nothing), made if missing."""
    key = thread_key(one_id, other_id, listing_id)
    now = utcnow()
    await insert_ignoring_conflicts(
        conn,
        threads,
        {"key": key, "listing_id": listing_id, "created_at": now, "updated_at": now},
    )
    row = (await conn.execute(_BY_KEY, {"key": key})).one()
    return _thread(row)


async def find(
    conn: AsyncConnection, one_id: int, other_id: int, listing_id: int | None
) -> Thread | None:
    key = thread_key(one_id, other_id, listing_id)
    row = (await conn.execute(_BY_KEY, {"key": key})).first()
    return _thread(row) if row else None


async def add_member(conn: AsyncConnection, thread_id: int, actor_id: int, other_id: int) -> None:
    await insert_ignoring_conflicts(
        conn,
        thread_members,
        {
            "thread_id": thread_id,
            "actor_id": actor_id,
            "other_id": other_id,
            "unread": False,
            "hidden": False,
        },
    )


async def add_message(conn: AsyncConnection, thread: Thread, post: Post) -> bool:
    """File `post` in `thread`; True the first time. The thread's newest message moves on,
    the author's own mark turns read, the others' unread, and the thread shows again for
    those who had hidden it."""
    added = await insert_ignoring_conflicts(
        conn, thread_messages, {"thread_id": thread.id, "post_id": post.id}
    )
    if not added:
        return False
    if thread.last_post_id is None or post.id > thread.last_post_id:
        await conn.execute(_NEWEST, {"thread": thread.id, "post": post.id, "at": utcnow()})
    await conn.execute(_UNREAD_BUT_AUTHOR, {"thread": thread.id, "author": post.actor_id})
    return True


# Built once (docs/performance.md, "Statements built once"): every direct message
# received runs them.
_BY_KEY = select(threads).where(threads.c.key == bindparam("key"))
_NEWEST = (
    update(threads)
    .where(threads.c.id == bindparam("thread"))
    .values(
        last_post_id=bindparam("post", type_=threads.c.last_post_id.type),
        updated_at=bindparam("at", type_=threads.c.updated_at.type),
    )
)
_UNREAD_BUT_AUTHOR = (
    update(thread_members)
    .where(thread_members.c.thread_id == bindparam("thread"))
    .values(unread=thread_members.c.actor_id != bindparam("author"), hidden=False)
)


async def threads_of_post(conn: AsyncConnection, post_id: int) -> list[Thread]:
    """The threads a message belongs to."""
    rows = await conn.execute(
        select(threads)
        .join(thread_messages, thread_messages.c.thread_id == threads.c.id)
        .where(thread_messages.c.post_id == post_id)
    )
    return [_thread(row) for row in rows]


async def members(conn: AsyncConnection, thread_id: int) -> list[ThreadMember]:
    rows = await conn.execute(select(thread_members).where(thread_members.c.thread_id == thread_id))
    return [_member(row) for row in rows]


async def get_for(
    conn: AsyncConnection, thread_id: int, actor_id: int
) -> tuple[Thread, ThreadMember] | None:
    """The thread if `actor_id` is in it."""
    row = (
        await conn.execute(
            select(threads, *_member_columns())
            .join(thread_members, thread_members.c.thread_id == threads.c.id)
            .where(threads.c.id == thread_id, thread_members.c.actor_id == actor_id)
        )
    ).first()
    return (_thread(row), _member_of(row)) if row else None


def _member_columns() -> list[Any]:
    return [
        thread_members.c.actor_id.label("m_actor_id"),
        thread_members.c.other_id.label("m_other_id"),
        thread_members.c.unread.label("m_unread"),
        thread_members.c.hidden.label("m_hidden"),
    ]


def _member_of(row: Row[Any]) -> ThreadMember:
    return ThreadMember(
        thread_id=row.id,
        actor_id=row.m_actor_id,
        other_id=row.m_other_id,
        unread=row.m_unread,
        hidden=row.m_hidden,
    )


async def page_for(
    conn: AsyncConnection, actor_id: int, page: Page
) -> list[tuple[Thread, ThreadMember]]:
    """`actor_id`'s threads that have a message and are not hidden, newest message first,
    paged by the id of that message (as Mastodon pages conversations)."""
    query = (
        select(threads, *_member_columns())
        .join(thread_members, thread_members.c.thread_id == threads.c.id)
        .where(
            thread_members.c.actor_id == actor_id,
            thread_members.c.hidden.is_(False),
            threads.c.last_post_id.is_not(None),
        )
    )
    rows = list(await conn.execute(apply_page(query, threads.c.last_post_id, page)))
    if page.min_id is not None:
        rows.reverse()
    return [(_thread(row), _member_of(row)) for row in rows]


async def messages(conn: AsyncConnection, thread_id: int) -> list[Post]:
    """The thread's messages in the order they came (deleted ones left out): the order of
    arrival, since another server's clock may be late."""
    rows = await conn.execute(
        select(objects)
        .join(thread_messages, thread_messages.c.post_id == objects.c.id)
        .where(thread_messages.c.thread_id == thread_id, objects.c.deleted_at.is_(None))
        .order_by(thread_messages.c.id)
    )
    return [post_from_row(row) for row in rows]


async def mark_read(conn: AsyncConnection, thread_id: int, actor_id: int) -> None:
    await conn.execute(
        update(thread_members)
        .where(thread_members.c.thread_id == thread_id, thread_members.c.actor_id == actor_id)
        .values(unread=False)
    )


async def hide(conn: AsyncConnection, thread_id: int, actor_id: int) -> None:
    await conn.execute(
        update(thread_members)
        .where(thread_members.c.thread_id == thread_id, thread_members.c.actor_id == actor_id)
        .values(hidden=True, unread=False)
    )


async def count_unread(conn: AsyncConnection, actor_id: int) -> int:
    """How many of `actor_id`'s threads have a message they have not read (capped)."""
    unread = (
        select(thread_members.c.thread_id)
        .where(
            thread_members.c.actor_id == actor_id,
            thread_members.c.unread.is_(True),
            thread_members.c.hidden.is_(False),
        )
        .limit(COUNT_CAP)
        .subquery()
    )
    return (await conn.execute(select(func.count()).select_from(unread))).scalar_one()


async def listing_threads(conn: AsyncConnection, actor_id: int, listing_id: int) -> dict[int, int]:
    """{neighbour's actor id: thread id} of `actor_id`'s threads about a listing."""
    rows = await conn.execute(
        select(thread_members.c.other_id, threads.c.id)
        .join(thread_members, thread_members.c.thread_id == threads.c.id)
        .where(threads.c.listing_id == listing_id, thread_members.c.actor_id == actor_id)
    )
    return {row.other_id: row.id for row in rows}


def _filed_for(actor_id: int) -> ColumnElement[bool]:
    """Joins a filing to `actor_id`'s membership of its thread."""
    return and_(
        thread_members.c.thread_id == thread_messages.c.thread_id,
        thread_members.c.actor_id == actor_id,
    )


async def threads_of_posts(
    conn: AsyncConnection, actor_id: int, post_ids: Sequence[int]
) -> dict[int, int]:
    """{post id: thread id} for those of `post_ids` filed in one of `actor_id`'s threads."""
    if not post_ids:
        return {}
    rows = await conn.execute(
        select(thread_messages.c.post_id, thread_messages.c.thread_id)
        .join(thread_members, _filed_for(actor_id))
        .where(thread_messages.c.post_id.in_(list(set(post_ids))))
    )
    return {row.post_id: row.thread_id for row in rows}


async def pair_threads(
    conn: AsyncConnection, actor_id: int, pairs: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], int]:
    """{(listing id, neighbour id): thread id} of `actor_id`'s threads among `pairs`."""
    if not pairs:
        return {}
    listing_ids = list({listing for listing, _other in pairs})
    rows = await conn.execute(
        select(threads.c.listing_id, thread_members.c.other_id, threads.c.id)
        .join(thread_members, thread_members.c.thread_id == threads.c.id)
        .where(thread_members.c.actor_id == actor_id, threads.c.listing_id.in_(listing_ids))
    )
    wanted = set(pairs)
    return {
        (row.listing_id, row.other_id): row.id
        for row in rows
        if (row.listing_id, row.other_id) in wanted
    }


async def filed_after(
    conn: AsyncConnection, actor_id: int, after_id: int, limit: int
) -> list[tuple[int, int]]:
    """(filing id, thread id) of messages filed in `actor_id`'s threads after `after_id`,
    oldest first: what a stream has not sent yet."""
    rows = await conn.execute(
        select(thread_messages.c.id, thread_messages.c.thread_id)
        .join(thread_members, _filed_for(actor_id))
        .where(thread_messages.c.id > after_id)
        .order_by(thread_messages.c.id)
        .limit(limit)
    )
    return [(row.id, row.thread_id) for row in rows]


async def newest_filed_id(conn: AsyncConnection) -> int:
    """Where a stream starts: the newest filing of any thread."""
    return (await conn.execute(select(func.max(thread_messages.c.id)))).scalar_one() or 0


async def get_many_for(
    conn: AsyncConnection, actor_id: int, thread_ids: Sequence[int]
) -> list[tuple[Thread, ThreadMember]]:
    """Those of `thread_ids` `actor_id` is in, in the order asked."""
    if not thread_ids:
        return []
    rows = await conn.execute(
        select(threads, *_member_columns())
        .join(thread_members, thread_members.c.thread_id == threads.c.id)
        .where(threads.c.id.in_(list(thread_ids)), thread_members.c.actor_id == actor_id)
    )
    found = {row.id: (_thread(row), _member_of(row)) for row in rows}
    return [found[i] for i in thread_ids if i in found]
