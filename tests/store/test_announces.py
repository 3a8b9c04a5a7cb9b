from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from fedlocal.store import announces as store
from fedlocal.store import posts as post_store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import announces

from .helpers import FIXED, all_pages, assert_aware_utc, local_actor, remote_actor

NOTE = "https://remote.example/notes/1"


async def _remote_note(conn, actor_id: int, uri: str = NOTE):
    post, _ = await post_store.upsert_remote_post(
        conn, uri=uri, actor_id=actor_id, type="Note", visibility="public", published=FIXED
    )
    return post


async def test_announce_round_trip(database):
    async with database.write() as conn:
        community = await local_actor(conn, "neighbours", role="community")
        bob = await remote_actor(conn, "bob")
        note = await _remote_note(conn, bob.id)
        created = await store.insert_announce(
            conn,
            uri="https://local.example/announces/1",
            actor_id=community.id,
            object_uri=NOTE,
            object_id=note.id,
            published=FIXED,
        )
    async with database.read() as conn:
        by_pair = await store.get_announce(conn, community.id, NOTE)
        by_uri = await store.get_announce_by_uri(conn, "https://local.example/announces/1")
    assert created is not None
    assert by_pair == by_uri == created
    assert (created.actor_id, created.object_uri, created.object_id) == (
        community.id,
        NOTE,
        note.id,
    )
    assert created.published == FIXED
    assert_aware_utc(created.published)


async def test_announce_of_an_unknown_object_defaults_published_to_now(database):
    async with database.write() as conn:
        bob = await remote_actor(conn, "bob")
        before = utcnow()
        created = await store.insert_announce(
            conn, uri="a1", actor_id=bob.id, object_uri="https://x.example/n/1", object_id=None
        )
    assert created.object_id is None
    assert before <= created.published <= utcnow()


async def test_announce_once_per_actor_and_object(database):
    # Given bob announced the note
    async with database.write() as conn:
        bob = await remote_actor(conn, "bob")
        carol = await remote_actor(conn, "carol")
        first = await store.insert_announce(
            conn, uri="a1", actor_id=bob.id, object_uri=NOTE, object_id=None
        )

    # When he announces it again under another id, and carol announces it too
    async with database.write() as conn:
        again = await store.insert_announce(
            conn, uri="a2", actor_id=bob.id, object_uri=NOTE, object_id=None
        )
        carols = await store.insert_announce(
            conn, uri="a3", actor_id=carol.id, object_uri=NOTE, object_id=None
        )

    # Then only the first of bob's counts
    assert again is None
    assert carols is not None
    async with database.read() as conn:
        assert await store.get_announce_by_uri(conn, "a2") is None
        assert (await store.get_announce(conn, bob.id, NOTE)).id == first.id


async def test_actor_and_object_are_unique_in_the_table(database):
    async with database.write() as conn:
        bob = await remote_actor(conn, "bob")
        await store.insert_announce(
            conn, uri="a1", actor_id=bob.id, object_uri=NOTE, object_id=None
        )
    with pytest.raises(IntegrityError):
        async with database.write() as conn:
            await conn.execute(
                insert(announces).values(
                    uri="a2",
                    actor_id=bob.id,
                    object_uri=NOTE,
                    published=utcnow(),
                    created_at=utcnow(),
                )
            )


async def test_delete_then_announce_again(database):
    async with database.write() as conn:
        bob = await remote_actor(conn, "bob")
        first = await store.insert_announce(
            conn, uri="a1", actor_id=bob.id, object_uri=NOTE, object_id=None
        )
        await store.delete_announce(conn, first.id)
        assert await store.get_announce_by_uri(conn, "a1") is None
        again = await store.insert_announce(
            conn, uri="a2", actor_id=bob.id, object_uri=NOTE, object_id=None
        )
    assert again is not None and again.uri == "a2"


async def test_deleting_the_post_deletes_its_announces(database):
    # Foreign keys must be enforced on SQLite too (PRAGMA foreign_keys=ON).
    async with database.write() as conn:
        community = await local_actor(conn, "neighbours", role="community")
        bob = await remote_actor(conn, "bob")
        note = await _remote_note(conn, bob.id)
        await store.insert_announce(
            conn, uri="a1", actor_id=community.id, object_uri=NOTE, object_id=note.id
        )
        await post_store.delete_post(conn, note.id)
    async with database.read() as conn:
        assert await store.get_announce_by_uri(conn, "a1") is None


async def test_list_actor_announces_pages_newest_first(database):
    async with database.write() as conn:
        community = await local_actor(conn, "neighbours", role="community")
        bob = await remote_actor(conn, "bob")
        ids = []
        for i in range(5):
            announce = await store.insert_announce(
                conn,
                uri=f"mine{i}",
                actor_id=community.id,
                object_uri=f"https://remote.example/n/{i}",
                object_id=None,
                published=FIXED + timedelta(minutes=i),
            )
            ids.append(announce.id)
            await store.insert_announce(
                conn,
                uri=f"bobs{i}",
                actor_id=bob.id,
                object_uri=f"https://remote.example/n/{i}",
                object_id=None,
            )
    async with database.read() as conn:
        pages = await all_pages(
            lambda max_id: store.list_actor_announces(conn, community.id, max_id=max_id, limit=2),
            lambda announce: announce.id,
        )
    assert [[a.id for a in page] for page in pages] == [ids[4:2:-1], ids[2:0:-1], ids[0:1]]
    async with database.read() as conn:
        assert await store.count_actor_announces(conn, community.id) == 5
        assert await store.count_actor_announces(conn, bob.id) == 5
    async with database.write() as conn:
        await store.delete_announce(conn, ids[0])
        assert await store.count_actor_announces(conn, community.id) == 4
