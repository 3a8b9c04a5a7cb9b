import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fedlocal.store import accounts as store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import accounts

from .helpers import assert_aware_utc, local_actor

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


async def test_account_round_trips_every_field(database):
    # Given
    before = utcnow()
    async with database.write() as conn:
        actor = await local_actor(conn, "alice")
        created = await store.insert_account(
            conn,
            actor_id=actor.id,
            username="alice",
            password_hash=HASH,
            email="alice@mail.example",
            is_admin=True,
            is_approved=False,
            locale="de-CH",
        )

    # When
    async with database.read() as conn:
        by_name = await store.get_account_by_username(conn, "alice")
        by_actor = await store.get_account_by_actor(conn, actor.id)

    # Then
    assert by_name == created == by_actor
    assert by_name.actor_id == actor.id
    assert by_name.username == "alice"
    assert by_name.email == "alice@mail.example"
    assert by_name.password_hash == HASH
    assert by_name.is_admin is True
    assert by_name.is_approved is False
    assert by_name.is_disabled is False
    assert by_name.locale == "de-CH"
    assert_aware_utc(by_name.created_at)
    assert before <= by_name.created_at <= utcnow()


async def test_account_defaults(database):
    async with database.write() as conn:
        actor = await local_actor(conn, "bob")
        account = await store.insert_account(
            conn, actor_id=actor.id, username="bob", password_hash=HASH
        )
        last_login = (
            await conn.execute(select(accounts.c.last_login_at).where(accounts.c.id == account.id))
        ).scalar_one()
    assert account.email is None
    assert account.is_admin is False
    assert account.is_approved is True
    assert account.locale is None
    assert last_login is None


async def test_lookup_by_username_ignores_case(database):
    async with database.write() as conn:
        actor = await local_actor(conn, "alice")
        account = await store.insert_account(
            conn, actor_id=actor.id, username="alice", password_hash=HASH
        )
    async with database.read() as conn:
        for spelling in ("alice", "Alice", "ALICE"):
            found = await store.get_account_by_username(conn, spelling)
            assert found is not None and found.id == account.id, spelling
        assert await store.get_account_by_username(conn, "alicia") is None


async def test_mixed_case_username_is_found(database):
    async with database.write() as conn:
        actor = await local_actor(conn, "alice")
        account = await store.insert_account(
            conn, actor_id=actor.id, username="Alice", password_hash=HASH
        )
    async with database.read() as conn:
        found = await store.get_account_by_username(conn, "Alice")
    assert found is not None and found.id == account.id


async def test_usernames_are_unique_ignoring_case(database):
    async with database.write() as conn:
        first = await local_actor(conn, "alice")
        second = await local_actor(conn, "alice2")
        await store.insert_account(conn, actor_id=first.id, username="alice", password_hash=HASH)
    with pytest.raises(IntegrityError):
        async with database.write() as conn:
            await store.insert_account(
                conn, actor_id=second.id, username="ALICE", password_hash=HASH
            )


@pytest.mark.parametrize(
    "second",
    [
        {"username": "alice", "email": "other@mail.example"},  # same username
        {"username": "alice2", "email": "alice@mail.example"},  # same e-mail
    ],
    ids=["username", "email"],
)
async def test_usernames_and_emails_are_unique(database, second):
    async with database.write() as conn:
        first_actor = await local_actor(conn, "alice")
        second_actor = await local_actor(conn, "alice2")
        await store.insert_account(
            conn,
            actor_id=first_actor.id,
            username="alice",
            email="alice@mail.example",
            password_hash=HASH,
        )
    with pytest.raises(IntegrityError):
        async with database.write() as conn:
            await store.insert_account(conn, actor_id=second_actor.id, password_hash=HASH, **second)


async def test_accounts_without_email_do_not_collide(database):
    async with database.write() as conn:
        for name in ("a", "b"):
            actor = await local_actor(conn, name)
            await store.insert_account(conn, actor_id=actor.id, username=name, password_hash=HASH)
    async with database.read() as conn:
        assert await store.count_accounts(conn) == 2


async def test_one_account_per_actor(database):
    async with database.write() as conn:
        actor = await local_actor(conn, "alice")
        await store.insert_account(conn, actor_id=actor.id, username="alice", password_hash=HASH)
    with pytest.raises(IntegrityError):
        async with database.write() as conn:
            await store.insert_account(
                conn, actor_id=actor.id, username="alice-again", password_hash=HASH
            )


async def test_login_by_username_or_email(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await local_actor(conn, "bob")
        a = await store.insert_account(
            conn,
            actor_id=alice.id,
            username="alice",
            email="Alice@Mail.Example",
            password_hash=HASH,
        )
        b = await store.insert_account(
            conn, actor_id=bob.id, username="bob", email="bob@mail.example", password_hash=HASH
        )
    async with database.read() as conn:
        assert (await store.get_account_by_login(conn, "alice")).id == a.id
        assert (await store.get_account_by_login(conn, "  ALICE ")).id == a.id
        assert (await store.get_account_by_login(conn, "alice@mail.example")).id == a.id
        assert (await store.get_account_by_login(conn, "BOB@mail.example ")).id == b.id
        # An e-mail-looking login is never matched against usernames, and vice versa.
        assert await store.get_account_by_login(conn, "alice@other.example") is None
        assert await store.get_account_by_login(conn, "mail.example") is None


async def test_set_password_hash_changes_only_that_account(database):
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        bob = await local_actor(conn, "bob")
        a = await store.insert_account(conn, actor_id=alice.id, username="alice", password_hash="a")
        await store.insert_account(conn, actor_id=bob.id, username="bob", password_hash="b")
        await store.set_password_hash(conn, a.id, "a-new")
    async with database.read() as conn:
        assert (await store.get_account_by_username(conn, "alice")).password_hash == "a-new"
        assert (await store.get_account_by_username(conn, "bob")).password_hash == "b"
        assert await store.get_account_by_actor(conn, 999_999) is None
