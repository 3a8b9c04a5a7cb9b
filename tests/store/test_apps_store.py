"""The store behind apps' edits, bookmarks, boosts lists and followed hashtags, on SQLite
and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from fedlocal.boundary.paging import PageQuery
from fedlocal.store import announces as announce_store
from fedlocal.store import bookmarks as bookmark_store
from fedlocal.store import favourites as favourite_store
from fedlocal.store import followed_tags as tag_store
from fedlocal.store import hashtags as hashtag_store
from fedlocal.store import post_edits as edit_store
from fedlocal.store import posts as post_store
from fedlocal.store import timelines as timeline_store
from fedlocal.store.clock import utcnow

from .helpers import FIXED, local_actor, remote_actor


async def _note(conn, actor_id: int, n: int, tags: tuple[str, ...] = ()):
    post, _ = await post_store.upsert_remote_post(
        conn,
        uri=f"https://remote.example/notes/{n}",
        actor_id=actor_id,
        type="Note",
        visibility="public",
        content=f"<p>note {n}</p>",
        published=utcnow(),
        hashtags=tags,
    )
    await hashtag_store.index_post(conn, post.id, tags)
    return post


async def test_boosts_lists_and_counts_leave_automatic_shares_out(database):
    async with database.write() as conn:
        community = await local_actor(conn, "quartier", role="community")
        ana = await local_actor(conn, "ana")
        bob = await remote_actor(conn, "bob")
        carl = await remote_actor(conn, "carl")
        note = await _note(conn, bob.id, 1)
        for n, who in enumerate((community, ana, carl)):
            await announce_store.insert_announce(
                conn,
                uri=f"https://x.example/announces/{n}",
                actor_id=who.id,
                object_uri=note.uri,
                object_id=note.id,
            )
            await favourite_store.add(
                conn, actor_id=who.id, post_id=note.id, uri=f"https://x.example/likes/{n}"
            )
    async with database.read() as conn:
        assert await announce_store.boost_counts(conn, [note.id]) == {note.id: 2}
        boosters = await announce_store.boosters_of(conn, note.id)
        first = await announce_store.boosters_of(conn, note.id, limit=1)
        after = await announce_store.boosters_of(conn, note.id, max_id=first[0][0])
        before = await announce_store.boosters_of(conn, note.id, min_id=boosters[-1][0])
        likers = await favourite_store.likers_of(conn, note.id)
    assert [actor for _i, actor in boosters] == [carl.id, ana.id]
    assert [actor for _i, actor in after] == [ana.id]
    assert [actor for _i, actor in before] == [carl.id]
    assert [actor for _i, actor in likers] == [carl.id, ana.id, community.id]


async def test_bookmarks_and_followed_tags(database):
    async with database.write() as conn:
        ana = await local_actor(conn, "ana")
        bob = await remote_actor(conn, "bob")
        notes = [await _note(conn, bob.id, n, ("velo",) if n == 2 else ()) for n in range(3)]
        for note in notes:
            assert await bookmark_store.add(conn, ana.id, note.id)
        assert not await bookmark_store.add(conn, ana.id, notes[0].id)
        await bookmark_store.remove(conn, ana.id, notes[1].id)
        await tag_store.follow(conn, ana.id, "velo", "Vélo")
        await tag_store.follow(conn, ana.id, "velo", "vélo")
    async with database.read() as conn:
        marked = await bookmark_store.list_of_actor(conn, ana.id)
        among = await bookmark_store.among(conn, ana.id, [n.id for n in notes])
        followed = await tag_store.followed_by(conn, ana.id)
        home = await timeline_store.home(conn, ana.id, PageQuery())
        uses = await tag_store.uses_since(conn, "velo", FIXED.replace(year=2000))
    assert [post for _i, post in marked] == [notes[2].id, notes[0].id]
    assert among == {notes[0].id, notes[2].id}
    assert [name for _i, name in followed] == ["Vélo"]
    assert [p.id for p in home] == [notes[2].id]
    assert [author for _at, author in uses] == [bob.id]


async def test_edits_keep_versions_and_hashtags_are_replaced(database):
    async with database.write() as conn:
        bob = await remote_actor(conn, "bob")
        note = await _note(conn, bob.id, 1, ("jardin",))
        start = await edit_store.newest_id(conn)
        await edit_store.keep_version(conn, note)
        await hashtag_store.reindex_post(conn, note.id, ["velo"])
    async with database.read() as conn:
        [version] = await edit_store.versions_of(conn, note.id)
        edited = await edit_store.edited_after(conn, start, 10)
        tagged = await timeline_store.tagged(conn, ["jardin"], PageQuery())
        retagged = await timeline_store.tagged(conn, ["velo"], PageQuery())
    assert version.content == "<p>note 1</p>" and version.created_at == note.published
    assert [post for _e, post in edited] == [note.id]
    assert tagged == [] and [p.id for p in retagged] == [note.id]
    assert edit_store.text_changed(note, replace(note, content="<p>autre</p>"))
    assert not edit_store.text_changed(note, replace(note, language="en"))
