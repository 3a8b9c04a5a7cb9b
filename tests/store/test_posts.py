from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from fedlocal.models import Mention
from fedlocal.store import posts as store
from fedlocal.store.clock import utcnow

from .helpers import FIXED, all_pages, assert_aware_utc, local_actor, remote_actor

# The extras that live in the posts' JSON column, typed.
POST_EXTRAS = {
    "hashtags": ("gärten", "prêt"),
    "recipients": ("https://remote.example/users/bob",),
    "mentions": (Mention(href="https://remote.example/users/bob", name="@bob@remote.example"),),
    "local_only": True,
    "fep0837": True,
}
NO_EXTRAS = {
    "hashtags": (),
    "recipients": (),
    "mentions": (),
    "local_only": False,
    "fep0837": False,
}


def extras(post) -> dict:
    return {name: getattr(post, name) for name in POST_EXTRAS}


def uri_for(post_id: int) -> str:
    return f"https://local.example/posts/{post_id}"


async def _local_post(conn, actor_id: int, **fields):
    fields.setdefault("visibility", "public")
    fields.setdefault("content", "<p>hello</p>")
    return await store.insert_local_post(conn, actor_id=actor_id, uri_for=uri_for, **fields)


async def test_local_post_uri_comes_from_its_id(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        first = await _local_post(conn, alice.id)
        second = await _local_post(conn, alice.id)
    assert first.uri == uri_for(first.id)
    assert second.uri == uri_for(second.id)
    assert second.id > first.id
    async with database.read() as conn:
        assert await store.get_post_by_uri(conn, uri_for(first.id)) == first
        assert await store.get_post(conn, second.id) == second


async def test_local_post_round_trips_every_field(database):
    # Given times in another zone and with microseconds
    zone = timezone(timedelta(hours=5, minutes=30))
    published = datetime(2031, 3, 4, 10, 36, 7, 891011, tzinfo=zone)
    edited = datetime(2031, 3, 5, 0, 0, 0, 1, tzinfo=timezone(timedelta(hours=-8)))

    # When
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        created = await _local_post(
            conn,
            alice.id,
            type="Question",
            kind="offer",
            visibility="followers",
            in_reply_to_uri="https://remote.example/notes/9",
            name="Ladder to lend",
            summary="CW: ladders",
            content="<p>Ladder, 3 m</p>",
            source="Ladder, 3 m",
            sensitive=True,
            language="de",
            url="https://local.example/@alice/1",
            published=published,
            edited_at=edited,
            **POST_EXTRAS,
        )
    async with database.read() as conn:
        stored = await store.get_post(conn, created.id)

    # Then every field comes back, times in UTC
    assert stored == created
    assert stored.type == "Question"
    assert stored.kind == "offer"
    assert stored.actor_id == alice.id
    assert stored.is_local is True
    assert stored.visibility == "followers"
    assert stored.in_reply_to_uri == "https://remote.example/notes/9"
    assert stored.name == "Ladder to lend"
    assert stored.summary == "CW: ladders"
    assert stored.content == "<p>Ladder, 3 m</p>"
    assert stored.source == "Ladder, 3 m"
    assert stored.sensitive is True
    assert stored.language == "de"
    assert stored.url == "https://local.example/@alice/1"
    assert stored.published == published == FIXED
    assert stored.edited_at == edited
    assert extras(stored) == POST_EXTRAS
    assert stored.deleted_at is None
    for moment in (stored.published, stored.edited_at, stored.created_at):
        assert_aware_utc(moment)
    assert stored.published.microsecond == 891011


async def test_local_post_defaults(database):
    before = utcnow()
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        post = await store.insert_local_post(
            conn, actor_id=alice.id, uri_for=uri_for, visibility="public"
        )
    async with database.read() as conn:
        stored = await store.get_post(conn, post.id)
    assert stored.type == "Note"
    assert stored.kind == "note"
    assert stored.content == ""
    assert stored.sensitive is False
    assert extras(stored) == NO_EXTRAS
    assert before <= stored.published <= utcnow()
    assert_aware_utc(stored.published)


async def test_times_read_back_in_utc_under_another_session_zone(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        post = await _local_post(conn, alice.id, published=FIXED)
    async with database.read() as conn:
        if not database.is_sqlite:
            await conn.execute(text("SET LOCAL TIME ZONE 'Pacific/Chatham'"))
        stored = await store.get_post(conn, post.id)
    assert stored.published == FIXED
    assert_aware_utc(stored.published)


async def test_naive_datetimes_are_refused(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
    with pytest.raises(StatementError, match="naive datetime"):
        async with database.write() as conn:
            await _local_post(conn, alice.id, published=datetime(2030, 1, 1, 12, 0))


async def test_upsert_remote_post_inserts_then_updates(database):
    # Given a remote note we received
    async with database.write() as conn:
        bob = await remote_actor(conn, "bob")
        first, created = await store.upsert_remote_post(
            conn,
            uri="https://remote.example/notes/1",
            actor_id=bob.id,
            type="Note",
            visibility="public",
            content="<p>v1</p>",
            published=FIXED,
            hashtags=("v1",),
        )
    assert created is True
    assert first.is_local is False

    # When its Update arrives
    async with database.write() as conn:
        second, created_again = await store.upsert_remote_post(
            conn,
            uri="https://remote.example/notes/1",
            actor_id=bob.id,
            version=FIXED + timedelta(hours=1),
            content="<p>v2</p>",
            edited_at=FIXED + timedelta(hours=1),
            hashtags=("v2",),
        )

    # Then the same row holds the new version
    assert created_again is False
    assert second.id == first.id
    assert second.content == "<p>v2</p>"
    assert second.edited_at == FIXED + timedelta(hours=1)
    assert second.published == FIXED
    assert second.visibility == "public"
    assert second.hashtags == ("v2",)
    async with database.read() as conn:
        assert await store.get_post_by_uri(conn, "https://remote.example/notes/1") == second


async def _save(conn, existing, actor_id: int, version, content: str):
    return await store.save_remote_post(
        conn,
        existing,
        uri=existing.uri if existing else "https://remote.example/notes/7",
        actor_id=actor_id,
        version=version,
        type="Note",
        visibility="public",
        content=content,
        published=FIXED,
        edited_at=version if version and version > FIXED else None,
    )


async def test_only_a_newer_version_by_the_same_author_replaces_a_remote_post(database):
    # Given bob's note, edited once (an hour after it was published)
    edited = FIXED + timedelta(hours=1)
    async with database.write() as conn:
        bob = await remote_actor(conn, "bob")
        mallory = await remote_actor(conn, "mallory")
        first = await _save(conn, None, bob.id, FIXED, "<p>v1</p>")
        edit = await _save(conn, first.post, bob.id, edited, "<p>v2</p>")
    assert (first.outcome, edit.outcome) == ("created", "replaced")
    assert first.changed and edit.changed

    # When other versions arrive: another author's (even newer), older ones, the same
    # again, one without a date
    attempts = [
        (mallory.id, edited + timedelta(days=1), "refused", "another author"),
        (bob.id, FIXED, "unchanged", "not newer"),
        (bob.id, edited, "unchanged", "not newer"),
        (bob.id, None, "unchanged", "without a date"),
    ]
    for actor_id, version, outcome, reason in attempts:
        async with database.write() as conn:
            held = await store.get_post(conn, first.post.id)
            saved = await _save(conn, held, actor_id, version, "<p>pwned</p>")

        # Then our copy is as bob last wrote it, and we are told why
        assert (saved.outcome, saved.changed) == (outcome, False)
        assert reason in saved.reason
        async with database.read() as conn:
            held = await store.get_post(conn, first.post.id)
        assert (held.content, held.actor_id, held.edited_at) == ("<p>v2</p>", bob.id, edited)

    # And a newer version by bob still replaces it
    async with database.write() as conn:
        later = await _save(conn, held, bob.id, edited + timedelta(minutes=1), "<p>v3</p>")
    assert later.outcome == "replaced" and later.post.content == "<p>v3</p>"


async def test_local_posts_and_tombstones_are_never_replaced_by_remote_copies(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        ours = await _local_post(conn, alice.id, published=FIXED)
        gone = (await _save(conn, None, bob.id, FIXED, "<p>bye</p>")).post
        await store.tombstone_post(conn, gone.id)
        gone = await store.get_post(conn, gone.id)

        for held, actor_id, reason in ((ours, alice.id, "our own"), (gone, bob.id, "deleted")):
            saved = await _save(conn, held, actor_id, utcnow(), "<p>back</p>")

            assert saved.outcome == "refused" and reason in saved.reason
            assert (await store.get_post(conn, held.id)).content == held.content


async def test_update_post(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        post = await _local_post(conn, alice.id, source="old", content="<p>old</p>")
        edited = await store.update_post(
            conn, post.id, source="new", content="<p>new</p>", edited_at=FIXED, uri="ignored"
        )
    assert edited.uri == post.uri
    assert (edited.source, edited.content, edited.edited_at) == ("new", "<p>new</p>", FIXED)
    async with database.read() as conn:
        assert await store.get_post(conn, post.id) == edited


async def test_tombstone_keeps_the_row_without_content(database):
    # Given a post with everything filled in
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        post = await _local_post(
            conn,
            alice.id,
            name="title",
            summary="cw",
            source="text",
            content="<p>text</p>",
            **POST_EXTRAS,
        )

    # When it is deleted
    async with database.write() as conn:
        await store.tombstone_post(conn, post.id, at=FIXED)

    # Then the row stays, found by id and URI, with the content gone
    async with database.read() as conn:
        by_id = await store.get_post(conn, post.id)
        by_uri = await store.get_post_by_uri(conn, post.uri)
    assert by_id == by_uri
    assert by_id.is_deleted
    assert by_id.deleted_at == FIXED
    assert (by_id.content, by_id.source, by_id.name, by_id.summary) == ("", None, None, None)
    assert extras(by_id) == NO_EXTRAS
    assert by_id.uri == post.uri
    assert by_id.actor_id == alice.id


async def test_tombstone_defaults_to_now(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        post = await _local_post(conn, alice.id)
        before = utcnow()
        await store.tombstone_post(conn, post.id)
    async with database.read() as conn:
        stored = await store.get_post(conn, post.id)
    assert before <= stored.deleted_at <= utcnow()


async def test_list_actor_posts_pages_newest_first(database):
    # Given seven public posts by alice, one deleted, and noise around them
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await local_actor(conn, "bob")
        ids = []
        for i in range(7):
            ids.append((await _local_post(conn, alice.id, content=f"{i}")).id)
            await _local_post(conn, bob.id)
        await _local_post(conn, alice.id, visibility="direct")
        await store.tombstone_post(conn, ids[3])
    visible = [i for i in reversed(ids) if i != ids[3]]

    # When paging three at a time by max_id
    async with database.read() as conn:
        pages = await all_pages(
            lambda max_id: store.list_actor_posts(conn, alice.id, max_id=max_id, limit=3),
            lambda post: post.id,
        )
    pages = [[post.id for post in page] for page in pages]

    # Then
    assert pages == [visible[0:3], visible[3:6]]
    assert all(post_id != ids[3] for page in pages for post_id in page)


async def test_list_actor_posts_filters_visibility(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        by_visibility = {
            v: (await _local_post(conn, alice.id, visibility=v)).id
            for v in ("public", "unlisted", "followers", "direct")
        }
    async with database.read() as conn:
        default = await store.list_actor_posts(conn, alice.id)
        for_followers = await store.list_actor_posts(
            conn, alice.id, visibilities=("public", "unlisted", "followers")
        )
    assert [p.id for p in default] == [by_visibility["unlisted"], by_visibility["public"]]
    assert {p.visibility for p in for_followers} == {"public", "unlisted", "followers"}


async def test_counts_exclude_deleted(database):
    # Given
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        await _local_post(conn, alice.id)
        gone = await _local_post(conn, alice.id)
        await _local_post(conn, alice.id, visibility="unlisted")
        await _local_post(conn, alice.id, visibility="followers")
        await store.upsert_remote_post(
            conn,
            uri="https://remote.example/n/1",
            actor_id=bob.id,
            type="Note",
            visibility="public",
            published=FIXED,
        )
        await store.tombstone_post(conn, gone.id)

    # When
    async with database.read() as conn:
        actor_posts = await store.count_actor_posts(conn, alice.id)
        with_followers = await store.count_actor_posts(conn, alice.id, ("public", "followers"))
        local_posts = await store.count_local_posts(conn)

    # Then
    assert actor_posts == 2
    assert with_followers == 2
    assert local_posts == 3


async def test_delete_post_and_delete_posts_of_actor(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        mine = await _local_post(conn, alice.id)
        remote = []
        for i in range(3):
            post, _ = await store.upsert_remote_post(
                conn,
                uri=f"https://remote.example/n/{i}",
                actor_id=bob.id,
                type="Note",
                visibility="public",
                published=FIXED,
            )
            remote.append(post)
        await store.delete_post(conn, remote[0].id)
        removed = await store.delete_posts_of_actor(conn, bob.id)
    assert removed == 2
    async with database.read() as conn:
        assert await store.get_post(conn, remote[0].id) is None
        assert await store.get_post_by_uri(conn, "https://remote.example/n/2") is None
        assert await store.get_post(conn, mine.id) == mine


async def test_remote_posts_inserted_together_get_ids_in_order_and_read_back(database):
    # Given three new remote posts, the middle one with a field the others lack
    async with database.write() as conn:
        bob = await remote_actor(conn, "bob")
        posts = [
            {
                "uri": f"https://remote.example/notes/{n}",
                "actor_id": bob.id,
                "type": "Note",
                "visibility": "public",
                "content": f"<p>{n}</p>",
                "published": FIXED,
                "hashtags": (f"tag{n}",),
                **({"summary": "cw"} if n == 2 else {}),
            }
            for n in (3, 2, 1)
        ]
        # When they are inserted together
        ids = await store.insert_remote_posts(conn, posts)
        # And two of them, and an id that does not exist, are read back
        read = await store.posts_by_ids(conn, [ids[0], ids[1], max(ids) + 1000])

    # Then the ids come in the order given, as one by one would give them
    assert ids == sorted(ids)
    # And the posts read back are each as given (an absent id is simply not there)
    assert set(read) == {ids[0], ids[1]}
    stored = [read[ids[0]], read[ids[1]]]
    assert [p.uri for p in stored] == [posts[0]["uri"], posts[1]["uri"]]
    assert [p.summary for p in stored] == [None, "cw"]
    assert [p.hashtags for p in stored] == [("tag3",), ("tag2",)]
    async with database.read() as conn:
        held = await store.held_uris(conn, [p["uri"] for p in posts] + ["https://x.example/1"])
        assert await store.get_post_by_uri(conn, posts[1]["uri"]) == stored[1]
        assert (await store.get_post(conn, ids[2])).uri == posts[2]["uri"]
        assert await store.posts_by_ids(conn, []) == {}
    assert held == {p["uri"] for p in posts}
