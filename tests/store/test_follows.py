import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from fedlocal.store import actors as actor_store
from fedlocal.store import follows as store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import follows

from .helpers import all_pages, assert_aware_utc, local_actor, remote_actor


async def _count_rows(conn) -> int:
    return (await conn.execute(select(func.count()).select_from(follows))).scalar_one()


async def test_follow_round_trip(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        created = await store.upsert_follow(
            conn,
            follower_id=bob.id,
            followed_id=alice.id,
            uri="https://remote.example/follows/1",
            state="pending",
        )
    async with database.read() as conn:
        by_pair = await store.get_follow(conn, bob.id, alice.id)
        by_uri = await store.get_follow_by_uri(conn, "https://remote.example/follows/1")
        reverse = await store.get_follow(conn, alice.id, bob.id)
    assert by_pair == by_uri == created
    assert (created.follower_id, created.followed_id) == (bob.id, alice.id)
    assert created.uri == "https://remote.example/follows/1"
    assert created.state == "pending"
    assert_aware_utc(created.created_at)
    assert reverse is None


async def test_pair_is_unique_in_the_table(database):
    now = utcnow()
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        await store.upsert_follow(
            conn, follower_id=bob.id, followed_id=alice.id, uri="f1", state="pending"
        )
    with pytest.raises(IntegrityError):
        async with database.write() as conn:
            await conn.execute(
                insert(follows).values(
                    follower_id=bob.id,
                    followed_id=alice.id,
                    uri="f2",
                    state="pending",
                    created_at=now,
                    updated_at=now,
                )
            )


async def test_resent_follow_updates_uri_and_keeps_accepted(database):
    # Given an accepted follow
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        first = await store.upsert_follow(
            conn, follower_id=bob.id, followed_id=alice.id, uri="follow-1", state="pending"
        )
        await store.set_follow_state(conn, first.id, "accepted")

    # When the peer re-sends its Follow with a new id (as Mastodon does after a reset)
    async with database.write() as conn:
        again = await store.upsert_follow(
            conn, follower_id=bob.id, followed_id=alice.id, uri="follow-2", state="pending"
        )

    # Then it is the same relationship, still accepted, under the new id
    assert again.id == first.id
    assert again.state == "accepted"
    assert again.uri == "follow-2"
    async with database.read() as conn:
        assert await store.get_follow_by_uri(conn, "follow-1") is None
        assert (await store.get_follow_by_uri(conn, "follow-2")).id == first.id
        assert await _count_rows(conn) == 1


async def test_resent_pending_follow_takes_the_new_state(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        await store.upsert_follow(
            conn, follower_id=bob.id, followed_id=alice.id, uri="follow-1", state="pending"
        )
        again = await store.upsert_follow(
            conn, follower_id=bob.id, followed_id=alice.id, uri="follow-1", state="accepted"
        )
    assert again.state == "accepted"
    assert again.uri == "follow-1"


async def test_follow_id_reused_for_another_pair_moves_to_it(database):
    # Given a follow from bob to alice under id U
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        carol = await remote_actor(conn, "carol")
        await store.upsert_follow(
            conn, follower_id=bob.id, followed_id=alice.id, uri="U", state="accepted"
        )

    # When a broken peer reuses U for carol's follow
    async with database.write() as conn:
        moved = await store.upsert_follow(
            conn, follower_id=carol.id, followed_id=alice.id, uri="U", state="pending"
        )

    # Then U names carol's follow and bob's is gone
    async with database.read() as conn:
        assert (await store.get_follow_by_uri(conn, "U")).id == moved.id
        assert await store.get_follow(conn, bob.id, alice.id) is None
        assert await _count_rows(conn) == 1


async def test_resent_follow_with_an_id_used_by_another_pair(database):
    # Given bob follows alice under A, and carol follows alice under B
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        carol = await remote_actor(conn, "carol")
        bobs = await store.upsert_follow(
            conn, follower_id=bob.id, followed_id=alice.id, uri="A", state="accepted"
        )
        await store.upsert_follow(
            conn, follower_id=carol.id, followed_id=alice.id, uri="B", state="accepted"
        )

    # When bob re-sends his follow under B
    async with database.write() as conn:
        again = await store.upsert_follow(
            conn, follower_id=bob.id, followed_id=alice.id, uri="B", state="pending"
        )

    # Then B is bob's, still accepted, and carol's stale row is gone
    assert again.id == bobs.id
    assert again.state == "accepted"
    async with database.read() as conn:
        assert await store.get_follow(conn, carol.id, alice.id) is None
        assert await _count_rows(conn) == 1


async def test_set_state_and_delete(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        follow = await store.upsert_follow(
            conn, follower_id=bob.id, followed_id=alice.id, uri="f", state="pending"
        )
        await store.set_follow_state(conn, follow.id, "accepted")
    async with database.read() as conn:
        assert (await store.get_follow(conn, bob.id, alice.id)).state == "accepted"
    async with database.write() as conn:
        await store.delete_follow(conn, follow.id)
    async with database.read() as conn:
        assert await store.get_follow(conn, bob.id, alice.id) is None
        assert await store.get_follow_by_uri(conn, "f") is None


async def test_counts_include_only_accepted(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        others = [await remote_actor(conn, f"r{i}") for i in range(4)]
        for i, other in enumerate(others):
            state = "accepted" if i < 3 else "pending"
            await store.upsert_follow(
                conn, follower_id=other.id, followed_id=alice.id, uri=f"in{i}", state=state
            )
        await store.upsert_follow(
            conn, follower_id=alice.id, followed_id=others[0].id, uri="out0", state="accepted"
        )
        await store.upsert_follow(
            conn, follower_id=alice.id, followed_id=others[1].id, uri="out1", state="pending"
        )
    async with database.read() as conn:
        assert await store.count_followers(conn, alice.id) == 3
        assert await store.count_following(conn, alice.id) == 1
        assert await store.count_followers(conn, others[0].id) == 1
        assert await store.count_following(conn, others[3].id) == 0


async def test_list_followers_pages_oldest_first(database):
    # Given five accepted followers and one pending
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        followers = [await remote_actor(conn, f"r{i}", f"h{i}.example") for i in range(6)]
        for i, other in enumerate(followers):
            await store.upsert_follow(
                conn,
                follower_id=other.id,
                followed_id=alice.id,
                uri=f"f{i}",
                state="pending" if i == 2 else "accepted",
            )

    # When reading them two at a time
    async with database.read() as conn:
        pages = await all_pages(
            lambda after: store.list_followers(conn, alice.id, after_id=after, limit=2),
            lambda pair: pair[0].id,
        )

    # Then every accepted follower comes once, oldest first, with its actor
    assert [len(p) for p in pages] == [2, 2, 1]
    flat = [pair for page in pages for pair in page]
    assert [actor.username for _, actor in flat] == ["r0", "r1", "r3", "r4", "r5"]
    for follow, actor in flat:
        assert follow.follower_id == actor.id
        assert follow.followed_id == alice.id
        assert actor.domain == f"h{actor.username[1]}.example"
        assert_aware_utc(actor.created_at)


async def test_list_following_returns_the_followed_actors(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        carol = await remote_actor(conn, "carol")
        dave = await remote_actor(conn, "dave")
        await store.upsert_follow(
            conn, follower_id=alice.id, followed_id=bob.id, uri="1", state="accepted"
        )
        await store.upsert_follow(
            conn, follower_id=alice.id, followed_id=carol.id, uri="2", state="pending"
        )
        await store.upsert_follow(
            conn, follower_id=alice.id, followed_id=dave.id, uri="3", state="accepted"
        )
        await store.upsert_follow(
            conn, follower_id=bob.id, followed_id=alice.id, uri="4", state="accepted"
        )
    async with database.read() as conn:
        following = await store.list_following(conn, alice.id)
        rest = await store.list_following(conn, alice.id, after_id=following[0][0].id)
    assert [actor.id for _, actor in following] == [bob.id, dave.id]
    assert [actor.id for _, actor in rest] == [dave.id]
    assert following[0][1] == bob


async def _collect_inboxes(conn, actor_id: int, limit: int) -> list[list[str]]:
    pages = await all_pages(
        lambda after: store.follower_inboxes(conn, actor_id, after=after, limit=limit),
        lambda inbox: inbox,
    )
    assert all(len(page) <= limit for page in pages)
    return pages


async def test_follower_inboxes(database):
    # Given followers of every sort
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await local_actor(conn, "bob")

        async def follower(actor, state="accepted", followed=alice):
            await store.upsert_follow(
                conn,
                follower_id=actor.id,
                followed_id=followed.id,
                uri=f"{actor.uri}/follows/{followed.id}",
                state=state,
            )

        # two accounts on one host share its shared inbox
        await follower(await remote_actor(conn, "a1", "a.example"))
        await follower(await remote_actor(conn, "a2", "a.example"))
        # no shared inbox: the personal one
        await follower(await remote_actor(conn, "b1", "b.example", shared_inbox=None))
        await follower(await remote_actor(conn, "b2", "b.example", shared_inbox=None))
        await follower(await remote_actor(conn, "e1", "e.example"))
        await follower(await remote_actor(conn, "f1", "f.example"))
        await follower(await remote_actor(conn, "g1", "g.example"))
        # left out: pending, gone, local, following someone else, no inbox at all
        await follower(await remote_actor(conn, "p1", "pending.example"), state="pending")
        gone = await remote_actor(conn, "x1", "gone.example")
        await follower(gone)
        await actor_store.mark_actor_gone(conn, gone.id)
        await follower(bob)
        await follower(await remote_actor(conn, "o1", "other.example"), followed=bob)
        await follower(
            await remote_actor(conn, "n1", "none.example", shared_inbox=None, inbox_url=None)
        )

    # When the fan-out reads them in pages of two
    async with database.read() as conn:
        pages = await _collect_inboxes(conn, alice.id, limit=2)
        everything = await store.follower_inboxes(conn, alice.id, after=None, limit=100)

    # Then each distinct inbox comes exactly once, in order
    expected = [
        "https://a.example/inbox",
        "https://b.example/users/b1/inbox",
        "https://b.example/users/b2/inbox",
        "https://e.example/inbox",
        "https://f.example/inbox",
        "https://g.example/inbox",
    ]
    assert [len(page) for page in pages] == [2, 2, 2]
    assert [inbox for page in pages for inbox in page] == expected
    assert everything == expected


async def test_follower_inboxes_of_an_actor_without_followers(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
    async with database.read() as conn:
        assert await store.follower_inboxes(conn, alice.id, after=None, limit=10) == []


async def test_has_local_follower(database):
    # Given a remote actor followed by a remote actor, and pending by a local one
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await remote_actor(conn, "bob")
        carol = await remote_actor(conn, "carol", "other.example")
        await store.upsert_follow(
            conn, follower_id=carol.id, followed_id=bob.id, uri="c->b", state="accepted"
        )
        pending = await store.upsert_follow(
            conn, follower_id=alice.id, followed_id=bob.id, uri="a->b", state="pending"
        )
        # and alice herself followed by bob, which is not "alice follows"
        await store.upsert_follow(
            conn, follower_id=bob.id, followed_id=alice.id, uri="b->a", state="accepted"
        )
    async with database.read() as conn:
        assert await store.has_local_follower(conn, bob.id) is False
        assert await store.has_local_follower(conn, alice.id) is False

    # When alice's follow is accepted
    async with database.write() as conn:
        await store.set_follow_state(conn, pending.id, "accepted")

    # Then bob has a local follower
    async with database.read() as conn:
        assert await store.has_local_follower(conn, bob.id) is True
        assert await store.has_local_follower(conn, carol.id) is False


async def test_which_actors_are_followed_here_and_which_follows_are_accepted(database):
    async with database.write() as conn:
        ana = await local_actor(conn, "ana")
        bob = await remote_actor(conn, "bob")
        cat = await remote_actor(conn, "cat")
        dan = await remote_actor(conn, "dan")
        for follower, followed, state in (
            (ana, bob, "accepted"),
            (ana, cat, "pending"),
            (bob, dan, "accepted"),  # a remote follower does not count
        ):
            await store.upsert_follow(
                conn,
                follower_id=follower.id,
                followed_id=followed.id,
                uri=f"{follower.uri}#follows/{followed.username}",
                state=state,
            )
        assert await store.with_local_followers(conn, {bob.id, cat.id, dan.id}) == {bob.id}
        assert await store.accepted_among(conn, {ana.id, bob.id}, {bob.id, cat.id, dan.id}) == {
            (ana.id, bob.id),
            (bob.id, dan.id),
        }
        assert await store.with_local_followers(conn, set()) == set()
