"""The feed queries on both backends: what is listed, in which order, and the bounds."""

from __future__ import annotations

from datetime import timedelta

from fedlocal.models import EventDetails
from fedlocal.store import feeds as feed_store
from fedlocal.store import posts as post_store
from fedlocal.store.clock import utcnow

from .helpers import local_actor, remote_actor


def _uri(post_id: int) -> str:
    return f"https://local.example/objects/{post_id}"


async def _post(conn, actor, **fields):
    fields.setdefault("visibility", "public")
    return await post_store.insert_local_post(conn, actor_id=actor.id, uri_for=_uri, **fields)


async def _event(conn, actor, starts_in: timedelta, lasts: timedelta | None = None, **fields):
    start = utcnow() + starts_in
    details = EventDetails(starts_at=start, ends_at=start + lasts if lasts else None)
    return await _post(conn, actor, kind="event", type="Event", event=details, **fields)


async def test_recent_posts_are_public_local_undeleted_and_newest_first(database):
    async with database.write() as conn:
        ana = await local_actor(conn, "ana")
        rita = await remote_actor(conn, "rita")
        first = await _post(conn, ana, kind="offer", category="objects")
        second = await _post(conn, ana, kind="note")
        await _post(conn, ana, kind="note", visibility="unlisted")
        await _post(conn, ana, kind="note", visibility="followers")
        await _post(conn, ana, kind="note", in_reply_to_uri="https://remote.example/n/1")
        gone = await _post(conn, ana, kind="note")
        await post_store.tombstone_post(conn, gone.id)
        await post_store.upsert_remote_post(
            conn,
            uri="https://remote.example/n/2",
            actor_id=rita.id,
            type="Note",
            kind="note",
            visibility="public",
            content="",
            published=utcnow(),
        )

    async with database.read() as conn:
        items = await feed_store.recent_posts(conn)
        in_category = await feed_store.recent_posts(conn, category="objects")
        older = await feed_store.recent_posts(conn, max_id=second.id)
        one = await feed_store.recent_posts(conn, limit=1)
        everything = await feed_store.recent_posts(conn, local_only=False)

    assert [item.post.id for item in items] == [second.id, first.id]
    assert items[0].author == ana
    assert [item.post.id for item in in_category] == [first.id]
    assert [item.post.id for item in older] == [first.id]
    assert [item.post.id for item in one] == [second.id]
    assert [item.author.uri for item in everything][0] == rita.uri


async def test_recent_posts_never_read_more_than_the_ceiling(database):
    async with database.write() as conn:
        ana = await local_actor(conn, "ana")
        for _ in range(feed_store.MAX_FEED_ENTRIES + 5):
            await _post(conn, ana, kind="note")

    async with database.read() as conn:
        items = await feed_store.recent_posts(conn, limit=10_000)

    assert len(items) == feed_store.MAX_FEED_ENTRIES


async def test_upcoming_events_by_start_from_a_moment(database):
    day = timedelta(days=1)
    async with database.write() as conn:
        ana = await local_actor(conn, "ana")
        later = await _event(conn, ana, 5 * day)
        sooner = await _event(conn, ana, day)
        running = await _event(conn, ana, -3 * day, lasts=5 * day)
        await _event(conn, ana, -3 * day, lasts=timedelta(hours=2))
        await _event(conn, ana, -200 * day, lasts=400 * day)  # began too long ago
        await _event(conn, ana, 2 * day, visibility="unlisted")
        gone = await _event(conn, ana, 2 * day)
        await post_store.tombstone_post(conn, gone.id)
        await _post(conn, ana, kind="note")

    async with database.read() as conn:
        items = await feed_store.upcoming_events(conn, since=utcnow() - day)
        first_two = await feed_store.upcoming_events(conn, since=utcnow() - day, limit=2)

    assert [item.post.id for item in items] == [running.id, sooner.id, later.id]
    assert [item.post.id for item in first_two] == [running.id, sooner.id]
