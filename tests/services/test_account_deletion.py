"""Deleting an account: everything of it goes in one transaction, a Delete of the actor
is queued for the servers that knew it, reports about it stay, and a second deletion at
the same time changes nothing."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from fedlocal.services import account_deletion, accounts, messages
from fedlocal.services import follows as follow_service
from fedlocal.services import posts as post_service
from fedlocal.services.errors import Conflict, Forbidden, InvalidInput
from fedlocal.store import actors as actor_store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import accounts as account_table
from fedlocal.store.tables import follows, objects, reports, web_sessions
from tests.services.sharing_support import last_queued_id, queued, remote_person

PASSWORD = "correct horse battery"
ADDRESS = "192.0.2.1"


async def _count(world, table, where) -> int:
    async with world.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table).where(where))).scalar()


async def test_deleting_an_account_removes_its_data_and_tells_the_servers_that_knew_it(world, bea):
    # Given lea, with a post, a message to bea, a remote follower and a report about her
    lea, actor = await accounts.create_account(world.services, "lea", PASSWORD)
    follower = await remote_person(world.federation, "tom", host="masto.example")
    stranger = await remote_person(world.federation, "zoe", host="other.example")
    await post_service.publish_note(world.services, actor, "Vide-grenier dimanche")
    await messages.write_to(world.services, actor, bea, "Bonjour Bea")
    await follow_service.follow(world.services, actor, bea.uri)
    async with world.db.write() as conn:
        await conn.execute(
            follows.insert().values(
                uri="https://masto.example/follows/1",
                follower_id=follower.id,
                followed_id=actor.id,
                state="accepted",
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        await conn.execute(
            reports.insert().values(
                reporter_id=bea.id,
                target_id=actor.id,
                post_ids=[],
                category="other",
                comment="",
                snapshot={"account": "lea"},
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        await conn.execute(
            web_sessions.insert().values(
                token_hash="s" * 64,
                account_id=lea.id,
                csrf_secret="c" * 64,
                created_at=utcnow(),
                expires_at=utcnow(),
            )
        )
    before = await last_queued_id(world.db)

    # When she deletes her account
    await account_deletion.delete_own_account(
        world.services, lea, password=PASSWORD, address=ADDRESS
    )

    # Then her posts, messages, follows and account are gone
    assert await _count(world, objects, objects.c.actor_id == actor.id) == 0
    assert await _count(world, follows, follows.c.follower_id == actor.id) == 0
    assert await _count(world, follows, follows.c.followed_id == actor.id) == 0
    assert await _count(world, account_table, account_table.c.id == lea.id) == 0
    assert await _count(world, web_sessions, web_sessions.c.account_id == lea.id) == 0
    # And the report about her stays for the moderators, with its snapshot
    assert await _count(world, reports, reports.c.target_id == actor.id) == 1
    # And her actor is gone, its profile wiped, its key kept for the Delete
    async with world.db.read() as conn:
        gone = await actor_store.get_actor(conn, actor.id)
        keys = await actor_store.keys_of(conn, actor.id)
    assert gone is not None and gone.gone_at is not None and gone.display_name == ""
    assert keys
    # And a Delete of the actor, Mastodon's shape, goes to her follower and known servers
    [sent] = await queued(world.db, after=before)
    assert sent.body["type"] == "Delete"
    assert sent.body["actor"] == sent.body["object"] == actor.uri
    assert set(sent.inboxes) == {follower.delivery_inbox, stranger.delivery_inbox}


async def test_two_deletions_at_once_one_wins_the_other_is_refused(world):
    lea, actor = await accounts.create_account(world.services, "lea", PASSWORD)
    before = await last_queued_id(world.db)
    await remote_person(world.federation, "tom", host="masto.example")

    results = await asyncio.gather(
        account_deletion.delete_own_account(
            world.services, lea, password=PASSWORD, address=ADDRESS
        ),
        account_deletion.delete_own_account(
            world.services, lea, password=PASSWORD, address=ADDRESS
        ),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "NoneType"]
    assert len(await queued(world.db, after=before)) == 1
    with pytest.raises(Conflict):
        await account_deletion.delete_own_account(
            world.services, lea, password=PASSWORD, address=ADDRESS
        )


async def test_an_admin_deletes_an_account_and_the_audit_log_says_so(world):
    admin, _ = await accounts.create_account(world.services, "maire", PASSWORD, admin=True)
    lea, _ = await accounts.create_account(world.services, "lea", PASSWORD)
    plain, _ = await accounts.create_account(world.services, "max", PASSWORD)

    with pytest.raises(Forbidden):
        await account_deletion.delete_by_admin(world.services, plain, lea.id)
    assert await account_deletion.delete_by_admin(world.services, admin, lea.id) == "lea"

    from fedlocal.store.tables import audit_log

    async with world.db.read() as conn:
        rows = (await conn.execute(select(audit_log.c.action, audit_log.c.target))).all()
    handle = f"lea@{world.federation.config.domain}"
    assert [t for a, t in rows if a == "delete_account"] == [f"account:@{handle}"]


async def test_a_wrong_password_deletes_nothing(world):
    lea, actor = await accounts.create_account(world.services, "lea", PASSWORD)
    with pytest.raises(InvalidInput, match="password is wrong"):
        await account_deletion.delete_own_account(
            world.services, lea, password="nope", address=ADDRESS
        )
    async with world.db.read() as conn:
        assert (await actor_store.get_actor(conn, actor.id)).gone_at is None


async def test_a_deleted_username_is_not_given_again(world):
    lea, _ = await accounts.create_account(world.services, "lea", PASSWORD)
    await account_deletion.delete_own_account(
        world.services, lea, password=PASSWORD, address=ADDRESS
    )

    # Its address still names the deleted account elsewhere: nobody may take it over
    with pytest.raises(Conflict, match="taken"):
        await accounts.create_account(world.services, "lea", PASSWORD)
