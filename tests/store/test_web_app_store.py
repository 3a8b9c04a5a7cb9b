"""The web app's tables on SQLite and PostgreSQL: sessions and used form tokens,
invitation codes, residents' accounts and the unread count (failed logins: see
test_login_attempts.py)."""

from __future__ import annotations

from datetime import timedelta

from fedlocal.store import accounts as account_store
from fedlocal.store import invites as invite_store
from fedlocal.store import notifications as notification_store
from fedlocal.store import residents as resident_store
from fedlocal.store import sessions as session_store
from fedlocal.store import unread as unread_store
from fedlocal.store.clock import utcnow

from .helpers import assert_aware_utc, local_actor


async def _account(conn, username: str, *, approved: bool = True):
    actor = await local_actor(conn, username)
    account = await account_store.insert_account(
        conn, actor_id=actor.id, username=username, password_hash="x", is_approved=approved
    )
    return account, actor


async def test_sessions_live_until_they_expire_and_tokens_are_used_once(database):
    now = utcnow()
    async with database.write() as conn:
        account, _ = await _account(conn, "alice")
        live = await session_store.create(
            conn,
            token_hash="a" * 64,
            account_id=account.id,
            csrf_secret="secret",
            now=now,
            expires_at=now + timedelta(days=1),
        )
        await session_store.create(
            conn,
            token_hash="b" * 64,
            account_id=None,
            csrf_secret="other",
            now=now - timedelta(days=2),
            expires_at=now - timedelta(seconds=1),
        )
        assert await session_store.use_form_token(conn, live.id, "n" * 64, now=now)
        assert not await session_store.use_form_token(conn, live.id, "n" * 64, now=now)
    async with database.read() as conn:
        found = await session_store.get_live(conn, "a" * 64, now=now)
        assert found is not None and found.account_id == account.id
        assert_aware_utc(found.expires_at)
        assert await session_store.get_live(conn, "b" * 64, now=now) is None
    async with database.write() as conn:
        await session_store.purge(conn, now=now, tokens_used_before=now + timedelta(seconds=1))
        # A purged nonce could be used again, but its token has expired by then
        assert await session_store.use_form_token(conn, live.id, "n" * 64, now=now)
        assert await session_store.delete_for_account(conn, account.id) == 1
    async with database.read() as conn:
        assert await session_store.get_live(conn, "a" * 64, now=now) is None


async def test_an_invitation_is_used_at_most_its_number_of_times(database):
    now = utcnow()
    async with database.write() as conn:
        invite = await invite_store.insert_invite(
            conn, code="abc", created_by=None, max_uses=2, now=now, expires_at=None
        )
        expired = await invite_store.insert_invite(
            conn, code="old", created_by=None, max_uses=1, now=now, expires_at=now
        )
        assert await invite_store.claim(conn, "abc", now=now)
        assert await invite_store.claim(conn, "abc", now=now)
        assert not await invite_store.claim(conn, "abc", now=now)
        await invite_store.unclaim(conn, "abc")
        assert await invite_store.claim(conn, "abc", now=now)
        assert not await invite_store.claim(conn, "old", now=now)
        assert not await invite_store.claim(conn, "nope", now=now)
        assert await invite_store.revoke(conn, expired.id, now=now)
        assert not await invite_store.revoke(conn, expired.id, now=now)
    async with database.read() as conn:
        listed = {item.code: item for item in await invite_store.list_invites(conn)}
    assert listed["abc"].uses == 2 and not listed["abc"].usable(now)
    assert listed["old"].revoked_at is not None
    assert invite.usable(now)


async def test_residents_sign_ups_and_groups(database):
    async with database.write() as conn:
        pending, pending_actor = await _account(conn, "newbie", approved=False)
        spam, _ = await _account(conn, "spam", approved=False)
        member, member_actor = await _account(conn, "member")
        await local_actor(conn, "jardins", role="group", display_name="Jardins")
        await resident_store.set_locale(conn, member.id, "fr")
        await resident_store.update_profile(
            conn, member_actor.id, display_name="Member", home_quarter="Paramé"
        )
    async with database.read() as conn:
        waiting = await resident_store.list_accounts(conn, approved=False)
        assert [account.username for account, _ in waiting] == ["spam", "newbie"]
        assert [group.username for group in await resident_store.local_groups(conn)] == ["jardins"]
    async with database.write() as conn:
        assert await resident_store.approve(conn, pending.id)
        assert not await resident_store.approve(conn, pending.id)
        assert await resident_store.delete_unapproved(conn, spam.id)
        assert not await resident_store.delete_unapproved(conn, member.id)
        assert await resident_store.set_disabled(conn, member.id, True)
    async with database.read() as conn:
        assert (await resident_store.get_account(conn, pending.id)).is_approved
        assert await resident_store.get_account(conn, spam.id) is None
        fresh = await resident_store.get_account(conn, member.id)
        assert fresh.is_disabled and fresh.locale == "fr"
        actors = {actor.username: actor for _, actor in await resident_store.list_accounts(conn)}
        assert actors["member"].home_quarter == "Paramé"
        assert actors["member"].display_name == "Member"
    assert pending_actor.username == "newbie"


async def test_unread_notifications_are_counted_up_to_a_cap(database):
    async with database.write() as conn:
        _, actor = await _account(conn, "alice")
        for _ in range(3):
            newest = await notification_store.add(conn, recipient_id=actor.id, type="follow")
    async with database.read() as conn:
        assert await unread_store.count_unread(conn, actor.id) == 3
    async with database.write() as conn:
        await notification_store.mark_read(conn, actor.id, newest.id)
    async with database.read() as conn:
        assert await unread_store.count_unread(conn, actor.id) == 0
