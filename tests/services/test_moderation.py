"""Staff roles, moderation actions and the audit log (services/staff.py, audit.py,
moderation_actions.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fedlocal.boundary.paging import PageQuery
from fedlocal.services import (
    audit,
    domain_blocks,
    follows,
    moderation_actions,
    nearby_feed,
    neighbours,
    staff,
    timelines,
)
from fedlocal.services.accounts import create_account
from fedlocal.services.domain_policy import DomainPolicy
from fedlocal.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedlocal.services.listings import ListingInput, publish_listing
from fedlocal.services.posts import publish_note
from fedlocal.services.streams import StreamReader
from fedlocal.store import accounts as account_store
from fedlocal.store import follows as follow_store
from fedlocal.store import notifications as notification_store
from fedlocal.store import posts as post_store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import audit_log
from tests.services.sharing_support import last_queued_id, queued, remote_person

PASSWORD = "a long enough password"


async def person(world, name, **options):
    return await create_account(world.services, name, PASSWORD, **options)


async def refreshed(world, account):
    async with world.db.read() as conn:
        return await account_store.get_account_by_username(conn, account.username)


async def audit_count(world) -> int:
    async with world.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(audit_log))).scalar_one()


@pytest.fixture
async def admin(world):
    return (await person(world, "mairie", admin=True))[0]


@pytest.fixture
async def moderator(world, admin):
    account, _ = await person(world, "modo")
    return await staff.set_role(world.services, admin, account.id, "moderator")


@pytest.fixture
async def resident(world):
    return await person(world, "lea")


def offer(title="Perceuse à prêter") -> ListingInput:
    return ListingInput(
        kind="offer",
        intent="lend",
        title=title,
        description="Avec forets.",
        category="diy-gardening",
        quarter="Intra-Muros",
    )


async def public_ids(world, viewer=None) -> set[int]:
    found = await timelines.public(
        world.services, viewer, PageQuery(limit=40), local=False, remote=False
    )
    return {view.post.id for view in found}


async def feed_ids(world, viewer=None) -> set[int]:
    centre = (48.6493, -2.0257)  # Intra-Muros
    items = await nearby_feed.feed(
        world.services, viewer, centre=centre, radius_km=5, kinds=("offer", "request", "event")
    )
    return {item.post.id for item in items}


# --- roles ----------------------------------------------------------------------------------


async def test_roles_are_given_by_admins_and_recorded(world, admin, moderator):
    assert staff.can_moderate(moderator) and not moderator.is_admin
    assert staff.can_moderate(admin)
    entries = await audit.entries(world.services, admin)
    assert [(e.action, e.by_username, e.target, e.note) for e in entries] == [
        ("role", "mairie", "account:@modo", "moderator")
    ]


async def test_a_moderator_cannot_change_roles_and_nobody_their_own(world, admin, moderator):
    lea, _ = await person(world, "lea")
    with pytest.raises(Forbidden):
        await staff.set_role(world.services, moderator, lea.id, "moderator")
    with pytest.raises(InvalidInput):
        await staff.set_role(world.services, admin, admin.id, "none")
    with pytest.raises(InvalidInput):
        await staff.set_role(world.services, admin, lea.id, "superuser")
    assert not (await refreshed(world, lea)).is_moderator
    assert await audit_count(world) == 1  # the moderator's own nomination only


async def test_the_last_admin_keeps_the_role(world, admin):
    # The operator's command line (no staff account) cannot remove the only admin
    with pytest.raises(InvalidInput):
        await staff.set_role(world.services, None, admin.id, "none")
    assert (await refreshed(world, admin)).is_admin


async def test_a_resident_reads_no_audit_log(world, resident):
    with pytest.raises(Forbidden):
        await audit.entries(world.services, resident[0])


# --- warn -----------------------------------------------------------------------------------


async def test_a_warning_reaches_the_resident_as_a_notification(world, moderator, resident):
    account, actor = resident

    outcome = await moderation_actions.apply(
        world.services, moderator, "warn", account_id=actor.id, note="Merci de rester courtois."
    )

    async with world.db.read() as conn:
        found = await notification_store.list_for(conn, actor.id)
    assert [(n.type, n.warning_id) for n in found] == [("moderation_warning", outcome.warning_id)]
    entry = (await audit.entries(world.services, moderator))[0]
    assert (entry.action, entry.target, entry.note) == (
        "warn",
        "account:@lea@quartier.example",
        "Merci de rester courtois.",
    )


async def test_a_warning_needs_a_text_and_a_resident(world, moderator, resident):
    before = await audit_count(world)
    with pytest.raises(InvalidInput):
        await moderation_actions.apply(
            world.services, moderator, "warn", account_id=resident[1].id, note="  "
        )
    remote = await remote_person(world.federation, "troll")
    with pytest.raises(InvalidInput):
        await moderation_actions.apply(
            world.services, moderator, "warn", account_id=remote.id, note="Stop."
        )
    assert await audit_count(world) == before


# --- bad input ------------------------------------------------------------------------------


async def test_unknown_actions_self_and_staff_targets_are_refused(
    world, admin, moderator, resident
):
    before = await audit_count(world)
    with pytest.raises(InvalidInput):
        await moderation_actions.apply(world.services, moderator, "ban", account_id=resident[1].id)
    with pytest.raises(InvalidInput):
        await moderation_actions.apply(
            world.services, moderator, "limit", account_id=moderator.actor_id
        )
    with pytest.raises(Forbidden):
        await moderation_actions.apply(
            world.services, moderator, "suspend", account_id=admin.actor_id
        )
    with pytest.raises(NotFound):
        await moderation_actions.apply(world.services, moderator, "limit", account_id=999_999)
    with pytest.raises(Forbidden):
        await moderation_actions.apply(
            world.services, resident[0], "limit", account_id=admin.actor_id
        )
    assert await audit_count(world) == before
    assert not (await refreshed(world, admin)).is_disabled


async def test_an_admin_acts_on_a_moderator_but_not_on_another_admin(world, admin, moderator):
    other, _ = await person(world, "adjoint", admin=True)
    await moderation_actions.apply(world.services, admin, "limit", account_id=moderator.actor_id)
    with pytest.raises(Forbidden):
        await moderation_actions.apply(world.services, admin, "limit", account_id=other.actor_id)


# --- limit ----------------------------------------------------------------------------------


async def test_a_limited_account_leaves_public_lists_except_for_its_followers(
    world, moderator, resident
):
    account, lea = resident
    _, follower = await person(world, "fanny")
    _, stranger = await person(world, "sam")
    await follows.follow(world.services, follower, "lea")
    note = await publish_note(world.services, lea, "Bonjour le quartier")
    listing = await publish_listing(world.services, lea, offer())
    assert note.id in await public_ids(world) and listing.id in await feed_ids(world)

    await moderation_actions.apply(world.services, moderator, "limit", account_id=lea.id)

    assert note.id not in await public_ids(world)
    assert note.id not in await public_ids(world, stranger)
    assert listing.id not in await feed_ids(world, stranger)
    assert note.id in await public_ids(world, follower)
    assert listing.id in await feed_ids(world, follower)
    assert note.id in await public_ids(world, lea)  # her own, as before

    await moderation_actions.apply(world.services, moderator, "unlimit", account_id=lea.id)
    assert note.id in await public_ids(world, stranger)
    assert [e.action for e in await audit.entries(world.services, moderator)][:2] == [
        "unlimit",
        "limit",
    ]


async def test_a_limited_account_s_follows_wait_for_approval(world, moderator, resident):
    _, lea = resident
    _, sam = await person(world, "sam")
    await moderation_actions.apply(world.services, moderator, "limit", account_id=lea.id)

    follow = await follows.follow(world.services, lea, "sam")

    assert follow.state == "pending"
    assert (await follows.follow(world.services, sam, "lea")).state == "accepted"


# --- suspend --------------------------------------------------------------------------------


async def test_suspension_disables_logins_and_hides_posts_until_lifted(world, moderator, resident):
    account, lea = resident
    _, follower = await person(world, "fanny")
    await follows.follow(world.services, follower, "lea")
    note = await publish_note(world.services, lea, "Bonjour")

    await moderation_actions.apply(
        world.services, moderator, "suspend", account_id=lea.id, note="spam"
    )

    assert (await refreshed(world, account)).is_disabled
    assert note.id not in await public_ids(world, follower)

    await moderation_actions.apply(world.services, moderator, "unsuspend", account_id=lea.id)
    assert not (await refreshed(world, account)).is_disabled
    assert note.id in await public_ids(world)


# --- remove a post --------------------------------------------------------------------------


async def test_a_removed_post_is_deleted_and_federated_as_delete(world, moderator, resident):
    _, lea = resident
    note = await publish_note(world.services, lea, "Un message à retirer")
    mark = await last_queued_id(world.db)

    await moderation_actions.apply(
        world.services,
        moderator,
        "remove_post",
        account_id=lea.id,
        status_id=note.id,
        note="hors sujet",
    )

    async with world.db.read() as conn:
        stored = await post_store.get_post(conn, note.id)
    assert stored is not None and stored.is_deleted
    sent = await queued(world.db, after=mark)
    assert [a.type for a in sent] == ["Delete"]
    assert sent[0].body["actor"] == lea.uri
    entry = (await audit.entries(world.services, moderator))[0]
    assert (entry.action, entry.target) == ("remove_post", f"post:{note.id}")


async def test_remove_post_needs_the_account_s_own_post(world, moderator, resident):
    _, lea = resident
    _, sam = await person(world, "sam")
    note = await publish_note(world.services, sam, "Pas à Léa")
    with pytest.raises(NotFound):
        await moderation_actions.apply(
            world.services, moderator, "remove_post", account_id=lea.id, status_id=note.id
        )
    with pytest.raises(InvalidInput):
        await moderation_actions.apply(world.services, moderator, "remove_post", account_id=lea.id)


# --- block a domain -------------------------------------------------------------------------


async def test_block_domain_blocks_a_remote_account_s_domain(world, admin, moderator):
    troll = await remote_person(world.federation, "troll", host="spam.example")

    await moderation_actions.apply(
        world.services, admin, "block_domain", account_id=troll.id, note="spam", report_id=4
    )

    assert not await world.services.domains.allows("spam.example")
    entry = (await audit.entries(world.services, admin))[0]
    assert (entry.action, entry.target, entry.note) == (
        "block_domain",
        "domain:spam.example",
        "suspend report:4 spam",
    )
    # Domain blocks are the admins' (docs/moderation.md)
    other = await remote_person(world.federation, "pest", host="other.example")
    with pytest.raises(Forbidden):
        await moderation_actions.apply(
            world.services, moderator, "block_domain", account_id=other.id
        )
    assert await world.services.domains.allows("other.example")


# --- the domain policy's cache ----------------------------------------------------------


async def test_another_process_sees_a_block_within_the_ttl(world, admin):
    # Given a second process's policy, which has read the blocks once
    other = DomainPolicy(world.services.config, world.db, ttl=3600)
    assert await other.allows("spam.example")

    # When this process blocks the domain
    await domain_blocks.create(world.services, admin, domain="spam.example")

    # Then this process knows at once; the other once its TTL has passed
    assert not await world.services.domains.allows("spam.example")
    assert await other.allows("spam.example")
    other.ttl = 0
    assert not await other.allows("sub.spam.example")


async def test_config_and_database_lists_combine(world, admin):
    policy = world.services.domains
    await domain_blocks.create(world.services, admin, domain="loud.example", severity="silence")
    assert await policy.allows("loud.example") and await policy.is_silenced("a.loud.example")
    with pytest.raises(InvalidInput):
        await domain_blocks.create(world.services, admin, domain="https://")
    with pytest.raises(Conflict):
        await domain_blocks.create(world.services, admin, domain="LOUD.example/")
    assert [b.domain for b in await domain_blocks.blocks(world.services)] == ["loud.example"]


async def test_a_limited_domain_s_accounts_and_subdomains_are_limited(world, admin, resident):
    _, lea = resident
    _, fan = await person(world, "fanny")
    troll = await remote_person(world.federation, "troll", host="social.loud.example")
    async with world.db.write() as conn:
        shout, _ = await post_store.upsert_remote_post(
            conn,
            uri="https://social.loud.example/statuses/1",
            actor_id=troll.id,
            type="Note",
            content="<p>Achetez !</p>",
            published=utcnow(),
            visibility="public",
        )
        await follow_store.upsert_follow(
            conn, follower_id=fan.id, followed_id=troll.id, uri="urn:f:fan", state="accepted"
        )
    assert shout.id in await public_ids(world)

    await domain_blocks.create(world.services, admin, domain="loud.example", severity="silence")

    # Its posts leave public lists, except for the account's followers
    assert shout.id not in await public_ids(world)
    assert shout.id not in await public_ids(world, lea)
    assert shout.id in await public_ids(world, fan)
    # and its follows of our residents wait for approval
    async with world.db.write() as conn:
        follow = await follows.receive_follow(
            world.services, conn, troll, lea, "https://social.loud.example/follows/1"
        )
    assert follow.state == "pending"


async def test_a_domain_allowed_on_the_admin_page_links_without_approval(world, admin):
    peer = await remote_person(world.federation, "parame.example", host="parame.example")
    async with world.db.read() as conn:
        assert not await neighbours.should_auto_accept(conn, world.services, peer)

    await domain_blocks.allow(world.services, admin, "parame.example")

    async with world.db.read() as conn:
        assert await neighbours.should_auto_accept(conn, world.services, peer)
    with pytest.raises(Conflict):
        await domain_blocks.allow(world.services, admin, "Parame.example")


async def test_the_public_stream_leaves_out_a_limited_account(world, moderator, resident):
    _, lea = resident
    _, sam = await person(world, "sam")
    reader = StreamReader(world.services, sam)
    await reader.start(["public"])
    await moderation_actions.apply(world.services, moderator, "limit", account_id=lea.id)

    await publish_note(world.services, lea, "Encore moi")
    shown = await publish_note(world.services, sam, "Bonjour")

    assert [e.status.post.id for e in await reader.poll()] == [shown.id]
