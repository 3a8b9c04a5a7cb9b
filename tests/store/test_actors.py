import pytest
from sqlalchemy.exc import IntegrityError

from fedlocal.store import actors as store
from fedlocal.store.clock import utcnow

from .helpers import assert_aware_utc, local_actor, remote_actor

# The extras that live in the actors' JSON column, typed.
ACTOR_EXTRAS = {
    "icon_url": "https://local.example/avatars/alice.png",
    "home_quarter": "Paramé",
    "moderator_ids": (3, 5),
}


async def test_local_actor_round_trips_every_field(database):
    # Given
    before = utcnow()
    async with database.write() as conn:
        created = await store.insert_local_actor(
            conn,
            uri="https://local.example/users/alice",
            role="resident",
            type="Person",
            username="alice",
            domain="local.example",
            display_name="Alice Ä.",
            summary="<p>Gardening 🌱</p>",
            inbox_url="https://local.example/users/alice/inbox",
            shared_inbox_url="https://local.example/inbox",
            outbox_url="https://local.example/users/alice/outbox",
            followers_url="https://local.example/users/alice/followers",
            following_url="https://local.example/users/alice/following",
            url="https://local.example/@alice",
            manually_approves_followers=True,
            **ACTOR_EXTRAS,
        )

    # When
    async with database.read() as conn:
        by_id = await store.get_actor(conn, created.id)
        by_uri = await store.get_actor_by_uri(conn, "https://local.example/users/alice")

    # Then
    assert by_id == created
    assert by_uri == created
    assert by_id.role == "resident"
    assert by_id.is_local
    assert by_id.type == "Person"
    assert by_id.username == "alice"
    assert by_id.domain == "local.example"
    assert by_id.display_name == "Alice Ä."
    assert by_id.summary == "<p>Gardening 🌱</p>"
    assert by_id.inbox_url == "https://local.example/users/alice/inbox"
    assert by_id.shared_inbox_url == "https://local.example/inbox"
    assert by_id.outbox_url == "https://local.example/users/alice/outbox"
    assert by_id.followers_url == "https://local.example/users/alice/followers"
    assert by_id.following_url == "https://local.example/users/alice/following"
    assert by_id.url == "https://local.example/@alice"
    assert by_id.manually_approves_followers is True
    assert by_id.icon_url == "https://local.example/avatars/alice.png"
    assert by_id.home_quarter == "Paramé"
    assert by_id.moderator_ids == (3, 5)
    assert by_id.fetched_at is None
    assert by_id.gone_at is None
    assert_aware_utc(by_id.created_at)
    assert_aware_utc(by_id.updated_at)
    assert before <= by_id.created_at <= utcnow()


async def test_local_actor_defaults(database):
    async with database.write() as conn:
        actor = await store.insert_local_actor(
            conn,
            uri="https://local.example/actor",
            role="instance",
            type="Application",
            username="local.example",
            domain="local.example",
        )
    async with database.read() as conn:
        stored = await store.get_actor(conn, actor.id)
    assert stored.display_name == ""
    assert stored.summary == ""
    assert stored.manually_approves_followers is False
    assert (stored.icon_url, stored.home_quarter, stored.moderator_ids) == (None, None, ())
    assert stored.inbox_url is None


async def test_unknown_actor_is_none(database):
    async with database.read() as conn:
        assert await store.get_actor(conn, 12345) is None
        assert await store.get_actor_by_uri(conn, "https://nowhere.example/u") is None
        assert await store.get_local_actor(conn, "nobody") is None
        assert await store.get_actor_by_role(conn, "community") is None


async def test_local_username_lookup_ignores_case(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
    async with database.read() as conn:
        for spelling in ("alice", "Alice", "ALICE"):
            found = await store.get_local_actor(conn, spelling)
            assert found is not None and found.id == alice.id, spelling


async def test_mixed_case_local_username_is_found(database):
    # Given a resident who signed up as "Alice"
    async with database.write() as conn:
        alice = await local_actor(conn, "Alice")

    # When WebFinger looks her up under any spelling, even the exact one
    async with database.read() as conn:
        found = [await store.get_local_actor(conn, s) for s in ("Alice", "alice", "ALICE")]

    # Then she is found every time, and keeps her display spelling
    assert [a and a.id for a in found] == [alice.id] * 3
    assert found[0].username == "Alice"


async def test_local_usernames_are_unique(database):
    async with database.write() as conn:
        await local_actor(conn, "alice")
    with pytest.raises(IntegrityError):
        async with database.write() as conn:
            await store.insert_local_actor(
                conn,
                uri="https://local.example/users/alice2",
                role="resident",
                type="Person",
                username="alice",
                domain="local.example",
            )


async def test_local_usernames_are_unique_ignoring_case(database):
    async with database.write() as conn:
        await local_actor(conn, "alice")
    with pytest.raises(IntegrityError):
        async with database.write() as conn:
            await store.insert_local_actor(
                conn,
                uri="https://local.example/users/ALICE",
                role="resident",
                type="Person",
                username="ALICE",
                domain="local.example",
            )


async def test_remote_actors_do_not_take_local_usernames(database):
    # Given a local alice and two remote alices
    async with database.write() as conn:
        mine = await local_actor(conn, "alice")
        await remote_actor(conn, "alice", "one.example")
        await remote_actor(conn, "alice", "two.example")

    # Then the local lookup only ever sees ours
    async with database.read() as conn:
        found = await store.get_local_actor(conn, "alice")
    assert found.id == mine.id


async def test_upsert_remote_actor_inserts_then_refreshes(database):
    # Given a remote actor we fetched once and later saw gone
    async with database.write() as conn:
        first = await remote_actor(
            conn, "bob", display_name="Bob", icon_url="https://r.example/1.png"
        )
        await store.mark_actor_gone(conn, first.id)
    async with database.read() as conn:
        gone = await store.get_actor(conn, first.id)
    assert_aware_utc(gone.gone_at)

    # When we fetch it again with new fields
    async with database.write() as conn:
        second = await store.upsert_remote_actor(
            conn,
            uri=first.uri,
            display_name="Robert",
            summary="new bio",
            icon_url="https://r.example/2.png",
            ignored_field="not a column",
        )

    # Then the same row is refreshed and no longer gone
    assert second.id == first.id
    assert second.role == "remote"
    assert not second.is_local
    assert second.display_name == "Robert"
    assert second.summary == "new bio"
    assert second.icon_url == "https://r.example/2.png"
    assert second.username == "bob"
    assert second.inbox_url == first.inbox_url
    assert second.gone_at is None
    assert second.created_at == first.created_at
    assert second.updated_at >= first.updated_at
    assert_aware_utc(second.fetched_at)
    assert second.fetched_at >= first.fetched_at
    async with database.read() as conn:
        assert await store.get_actor_by_uri(conn, first.uri) == second


async def test_find_remote_actor_ignores_case_and_local_actors(database):
    async with database.write() as conn:
        await local_actor(conn, "carol", domain="social.example")
        remote = await remote_actor(conn, "Carol", "social.example")
    async with database.read() as conn:
        assert (await store.find_remote_actor(conn, "carol", "SOCIAL.example")).id == remote.id
        assert (await store.find_remote_actor(conn, "CAROL", "social.example")).id == remote.id
        assert await store.find_remote_actor(conn, "carol", "other.example") is None
        assert await store.find_remote_actor(conn, "dave", "social.example") is None


async def test_get_actor_by_role_and_count_local_people(database):
    async with database.write() as conn:
        await local_actor(conn, "alice")
        community = await local_actor(conn, "neighbours", role="community")
        await local_actor(conn, "bob")
        await local_actor(conn, "later", role="community")
        await remote_actor(conn, "eve")
    async with database.read() as conn:
        assert (await store.get_actor_by_role(conn, "community")).id == community.id
        assert await store.count_local_people(conn) == 2


async def test_key_round_trip(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        key = await store.add_key(
            conn,
            actor_id=alice.id,
            key_id=f"{alice.uri}#main-key",
            algorithm="rsa",
            public_pem="-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----\n",
            private_pem="-----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n",
        )
        second = await store.add_key(
            conn,
            actor_id=alice.id,
            key_id=f"{alice.uri}#ed25519-key",
            algorithm="ed25519",
            public_pem="ed-public",
        )
    async with database.read() as conn:
        assert await store.get_key(conn, key.key_id) == key
        assert await store.keys_of(conn, alice.id) == [key, second]
        assert await store.get_key(conn, "https://local.example/nope#k") is None
    assert key.private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert second.private_pem is None
    assert second.algorithm == "ed25519"


async def test_key_ids_are_unique(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        await store.add_key(conn, actor_id=alice.id, key_id="k", algorithm="rsa", public_pem="a")
    with pytest.raises(IntegrityError):
        async with database.write() as conn:
            await store.add_key(
                conn, actor_id=alice.id, key_id="k", algorithm="rsa", public_pem="b"
            )


async def test_get_key_with_actor_returns_the_matching_pair(database):
    # Given several actors and keys, so key ids and actor ids differ
    async with database.write() as conn:
        actors = [await remote_actor(conn, f"user{i}", f"host{i}.example") for i in range(3)]
        for actor in actors:
            await store.replace_remote_keys(
                conn, actor.id, [(f"{actor.uri}#main-key", "rsa", f"pem-of-{actor.username}")]
            )
        target = actors[1]
        await store.mark_actor_gone(conn, actors[0].id)

    # When the inbox looks up the middle actor's key
    async with database.read() as conn:
        found = await store.get_key_with_actor(conn, f"{target.uri}#main-key")
        expected_actor = await store.get_actor(conn, target.id)
        expected_key = await store.get_key(conn, f"{target.uri}#main-key")
        missing = await store.get_key_with_actor(conn, "https://host9.example/users/x#main-key")

    # Then both halves belong to that actor
    assert found is not None
    key, actor = found
    assert key == expected_key
    assert actor == expected_actor
    assert key.actor_id == actor.id == target.id
    assert key.public_pem == "pem-of-user1"
    assert missing is None


async def test_replace_remote_keys_replaces_the_set(database):
    # Given an actor with two keys
    async with database.write() as conn:
        bob = await remote_actor(conn, "bob")
        await store.add_key(conn, actor_id=bob.id, key_id="bob#1", algorithm="rsa", public_pem="1")
        await store.add_key(conn, actor_id=bob.id, key_id="bob#2", algorithm="rsa", public_pem="2")

    # When a refetch shows a rotated key 2 and a new key 3
    async with database.write() as conn:
        await store.replace_remote_keys(
            conn, bob.id, [("bob#2", "rsa", "2-rotated"), ("bob#3", "ed25519", "3")]
        )

    # Then exactly the new keys are stored
    async with database.read() as conn:
        keys = await store.keys_of(conn, bob.id)
        assert await store.get_key(conn, "bob#1") is None
    assert [(k.key_id, k.algorithm, k.public_pem) for k in keys] == [
        ("bob#2", "rsa", "2-rotated"),
        ("bob#3", "ed25519", "3"),
    ]
    assert all(k.private_pem is None for k in keys)


async def test_replace_remote_keys_moves_a_key_id_between_actors(database):
    # Given a key id owned by an old account
    async with database.write() as conn:
        old = await remote_actor(conn, "old")
        new = await remote_actor(conn, "new")
        await store.replace_remote_keys(conn, old.id, [("shared#key", "rsa", "old-pem")])
        await store.replace_remote_keys(conn, old.id, [("shared#key", "rsa", "old-pem")])

    # When the re-created account publishes the same key id
    async with database.write() as conn:
        await store.replace_remote_keys(conn, new.id, [("shared#key", "rsa", "new-pem")])

    # Then the newest owner has it
    async with database.read() as conn:
        key, actor = await store.get_key_with_actor(conn, "shared#key")
        assert await store.keys_of(conn, old.id) == []
    assert actor.id == new.id
    assert key.public_pem == "new-pem"


async def test_replace_remote_keys_with_nothing_removes_all(database):
    async with database.write() as conn:
        bob = await remote_actor(conn, "bob")
        await store.replace_remote_keys(conn, bob.id, [("bob#1", "rsa", "1")])
        await store.replace_remote_keys(conn, bob.id, [])
    async with database.read() as conn:
        assert await store.keys_of(conn, bob.id) == []
