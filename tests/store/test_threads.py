"""Threads in the store, on SQLite and PostgreSQL: one per pair and listing whatever the
order of the pair, each message filed once, the unread marks moving with each message,
hidden threads coming back, paging by the newest message."""

from __future__ import annotations

from fedlocal.boundary.paging import PageQuery as Page
from fedlocal.store import posts as post_store
from fedlocal.store import threads as thread_store

from .helpers import local_actor, remote_actor


def _uri(post_id: int) -> str:
    return f"https://local.example/objects/{post_id}"


async def _message(conn, author, text="Bonjour"):
    return await post_store.insert_local_post(
        conn, actor_id=author.id, uri_for=_uri, content=f"<p>{text}</p>", visibility="direct"
    )


async def test_threads_keep_their_members_marks(database):
    async with database.write() as conn:
        ana = await local_actor(conn, "ana")
        bob = await local_actor(conn, "bob")
        lea = await remote_actor(conn, "lea")
        listing = await _message(conn, ana, "Perceuse")
        # One thread per pair and listing, whichever way round
        pair = await thread_store.get_or_create(conn, ana.id, bob.id, None)
        assert (await thread_store.get_or_create(conn, bob.id, ana.id, None)).id == pair.id
        about = await thread_store.get_or_create(conn, bob.id, ana.id, listing.id)
        assert about.id != pair.id and about.listing_id == listing.id
        for one, two in ((ana, bob), (bob, ana)):
            await thread_store.add_member(conn, pair.id, one.id, two.id)
        with_lea = await thread_store.get_or_create(conn, ana.id, lea.id, None)
        await thread_store.add_member(conn, with_lea.id, ana.id, lea.id)

        # A message is filed once; unread for the other member only
        first = await _message(conn, bob)
        assert await thread_store.add_message(conn, pair, first)
        assert not await thread_store.add_message(conn, pair, first)
        marks = {m.actor_id: m.unread for m in await thread_store.members(conn, pair.id)}
        assert marks == {ana.id: True, bob.id: False}
        assert await thread_store.count_unread(conn, ana.id) == 1
        later = await _message(conn, lea)
        await thread_store.add_message(conn, with_lea, later)

    async with database.read() as conn:
        # Newest message first; paged by its id
        listed = await thread_store.page_for(conn, ana.id, Page(limit=1))
        assert [t.id for t, _m in listed] == [with_lea.id]
        older = await thread_store.page_for(conn, ana.id, Page(max_id=later.id, limit=5))
        assert [t.id for t, _m in older] == [pair.id]
        assert await thread_store.page_for(conn, lea.id, Page(limit=5)) == []
        assert await thread_store.threads_of_posts(conn, ana.id, [first.id]) == {first.id: pair.id}

    async with database.write() as conn:
        # Reading marks read; hiding takes it out until the next message
        await thread_store.mark_read(conn, pair.id, ana.id)
        assert await thread_store.count_unread(conn, ana.id) == 1  # lea's still unread
        await thread_store.hide(conn, with_lea.id, ana.id)
        assert await thread_store.count_unread(conn, ana.id) == 0
        assert [t.id for t, _m in await thread_store.page_for(conn, ana.id, Page())] == [pair.id]
        reply = await _message(conn, lea, "Re")
        await thread_store.add_message(conn, with_lea, reply)
        shown = await thread_store.page_for(conn, ana.id, Page())
        assert [(t.id, m.unread) for t, m in shown] == [(with_lea.id, True), (pair.id, False)]
        assert [p.id for p in await thread_store.messages(conn, with_lea.id)] == [
            later.id,
            reply.id,
        ]
